"""A case in the formats the field uses: FHIR/mCODE, cBioPortal, Phenopackets (their files: outputs/exports.py)."""
