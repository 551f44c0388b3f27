"""HL7 v2: reading messages (`reader`), acknowledging them (`ack`), and the MLLP transport (`mllp`)."""
