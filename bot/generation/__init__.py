"""Generated answers through LangChain chat models, grounded in retrieved passages."""
