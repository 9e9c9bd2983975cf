"""Use cases: they orchestrate the domain, the policy engine and the ports. No framework code."""
