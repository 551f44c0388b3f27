"""Interop services: the apply engine, message receipt (HL7, FHIR), CSV imports and exports."""
