"""Local stand-ins for the services outside the advisor, shared by tests and benchmarks.

Each is a real server on 127.0.0.1 or a real client of one: Slack's Web API and signed
Slack requests, the Bot Framework connector, an OpenID issuer of Teams tokens and the
activities Teams sends. They live here, not under ``tests/``, because the benchmarks
drive the same peers and a benchmark imports the project, never the tests.
"""
