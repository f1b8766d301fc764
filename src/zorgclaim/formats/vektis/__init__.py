"""Vektis EI fixed-width files: PM304 in, PM305 out (ZH308: to come). Layouts in `data/`."""
