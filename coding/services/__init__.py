"""Writes of the coding app: code-set loading (`codesets`) and the coder's worksheet (`worksheet`)."""
