"""Hidden checks: value checks against solutions/ with feedback on known mistakes. Staff only."""
