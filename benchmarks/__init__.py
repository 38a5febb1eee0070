"""Scripts that print performance figures (never run as tests)."""
