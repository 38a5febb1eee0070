"""Answering questions from the knowledge base.

retrieval (dense and lexical search, fused) -> coverage (the one rule that decides
"covered" or "not covered") -> composition (the extractive answer) or generation (a
chat model over the same passages). Everything here reaches the store and the models
through the protocols in ``bot.ports`` and LangChain's interfaces.
"""
