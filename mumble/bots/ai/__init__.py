"""The AI bot: an account's configuration (an OpenAI-compatible model or a signed webhook to
the integrator's agent) and `answer`, the one call the bot runtime makes per inbound turn."""
