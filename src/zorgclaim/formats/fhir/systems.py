"""Identifier and code systems."""

BSN = "http://fhir.nl/fhir/NamingSystem/bsn"
AGB = "http://fhir.nl/fhir/NamingSystem/agb-z"
UZOVI = "http://fhir.nl/fhir/NamingSystem/uzovi"
ISO3166 = "urn:iso:std:iso:3166"                   # country codes (FHIR's ValueSet/country)
# the Dutch profiles (nl-core) give Address.country as a name with its code in this extension
CODE_SPECIFICATION = "http://nictiz.nl/fhir/StructureDefinition/ext-CodeSpecification"
# zorgclaim's own systems (no public system gives these; documented in docs/formats.md)
MEMBER = "urn:zorgclaim:member-number"
SERVICE_CODE = "urn:zorgclaim:service-code"        # codes as "<list>/<code>", e.g. fysio/1000
DCSPH = "urn:zorgclaim:dcsph"
CSI = "urn:zorgclaim:csi"
RETURN_CODES = "urn:zorgclaim:CodeSystem:vektis-cod954"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
