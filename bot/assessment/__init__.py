"""The guided /scale-check assessment.

survey (content from knowledge/assessment/*.yaml) -> engine (pure state machine) ->
scoring (placement, gates) -> recommend (next actions) -> chart (radar PNG); service
ties them to the state store, terminal renders them for the CLI.
"""
