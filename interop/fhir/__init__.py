"""FHIR R4: reading Bundles (`reader`) and writing ExplanationOfBenefit, Patient, Coverage and balances (`writer`)."""
