"""The advisor's aiohttp server: Slack, Teams, the console and the ops endpoints."""
