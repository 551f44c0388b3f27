"""X12 formats: the 837P writer and pyx12 validation."""
