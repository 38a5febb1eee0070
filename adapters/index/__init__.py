"""The knowledge index: Chroma and the embedding model."""
