"""Records and value types shared by every layer: money, the claim-line schema, the world."""
