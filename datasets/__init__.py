"""The dataset registry (package data, see toolkit.resources)."""
