"""The participation API, one module per part."""
