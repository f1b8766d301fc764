"""zorgclaim: claims adjudication for Dutch health insurance."""

__version__ = "0.1.0"
