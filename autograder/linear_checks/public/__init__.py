"""The public checks, one module per exercise (students may read them)."""
