"""The rules engine: load, validate and evaluate YAML policy. Pure: depends on the domain only."""
