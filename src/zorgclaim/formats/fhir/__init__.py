"""FHIR R4 (fhir.resources' R4B models): Claim in, ClaimResponse and ExplanationOfBenefit out."""
