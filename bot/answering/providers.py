"""The chat model chosen by ``LLM_PROVIDER``, built from settings through LangChain."""

from __future__ import annotations

from pydantic import SecretStr

from bot.ports import ChatModel
from bot.settings import Settings

PROVIDERS = ("none", "openai", "azure_openai", "ollama")
_EXTRA = {"openai": "openai", "azure_openai": "openai", "ollama": "ollama"}


class ProviderError(Exception):
    """The generator's settings are incomplete or its package is missing."""


def error_summary(error: BaseException) -> str:
    """What may be logged about a provider's error: its type and HTTP status, if any.

    Never its message: providers quote the request in it (a 400 repeats the prompt, and
    with it the user's question).
    """
    status = _status(error)
    name = error_kind(error)
    return f"{name}, HTTP {status}" if status is not None else name


def error_kind(error: BaseException) -> str:
    """The kind of a provider's failure: "timeout", or the error's type name."""
    return "timeout" if isinstance(error, TimeoutError) else type(error).__name__


def _status(error: BaseException) -> int | None:
    """The HTTP status an error carries, looking through the errors it was raised from."""
    seen: BaseException | None = error
    for _ in range(5):  # a short chain: SDK error wrapped by LangChain, at most a few deep
        if seen is None:
            return None
        for holder in (seen, getattr(seen, "response", None)):
            for name in ("status_code", "status", "http_status"):
                value = getattr(holder, name, None)
                if isinstance(value, int) and 100 <= value <= 599:
                    return value
        seen = seen.__cause__ or seen.__context__
    return None


def settings_problems(settings: Settings) -> list[str]:
    """What is missing or wrong in the LLM settings, in words an operator can act on."""
    provider = settings.llm_provider.strip().lower()
    if provider not in PROVIDERS:
        return [f"LLM_PROVIDER={settings.llm_provider!r} is not one of: {', '.join(PROVIDERS)}"]
    problems: list[str] = []
    if provider == "none":
        return problems
    if not settings.llm_model and provider != "azure_openai":
        problems.append(f"LLM_MODEL is required with LLM_PROVIDER={provider}")
    if provider == "openai" and settings.llm_api_key is None and not settings.llm_base_url:
        problems.append(
            "LLM_API_KEY is required for OpenAI (or set LLM_BASE_URL for a local server)"
        )
    if provider == "azure_openai":
        for value, name in (
            (settings.llm_base_url, "LLM_BASE_URL (the Azure OpenAI endpoint)"),
            (settings.llm_azure_deployment, "LLM_AZURE_DEPLOYMENT"),
            (settings.llm_api_version, "LLM_API_VERSION"),
            (settings.llm_api_key, "LLM_API_KEY"),
        ):
            if not value:
                problems.append(f"{name} is required with LLM_PROVIDER=azure_openai")
    return problems


def build_chat_model(settings: Settings) -> ChatModel | None:
    """The configured LangChain chat model, or None for the extractive answerer.

    Raises ``ProviderError`` naming what is missing: a setting, or the package extra.
    Client-side retries are off: a failed call falls back to the extractive answer at
    once instead of hanging past ``LLM_TIMEOUT``.
    """
    problems = settings_problems(settings)
    if problems:
        raise ProviderError("; ".join(problems))
    provider = settings.llm_provider.strip().lower()
    if provider == "none":
        return None
    # A local OpenAI-compatible server often needs no key, but the client insists on one.
    api_key = settings.llm_api_key or SecretStr("not-needed")
    try:
        if provider == "openai":
            from langchain_openai import ChatOpenAI

            return ChatOpenAI(
                model=settings.llm_model,
                base_url=settings.llm_base_url or None,
                api_key=api_key,
                temperature=settings.llm_temperature,
                timeout=settings.llm_timeout,
                max_retries=0,
                http_async_client=_own_async_client(settings),
            )
        if provider == "azure_openai":
            from langchain_openai import AzureChatOpenAI

            return AzureChatOpenAI(
                azure_endpoint=settings.llm_base_url,
                azure_deployment=settings.llm_azure_deployment,
                api_version=settings.llm_api_version,
                api_key=api_key,
                model=settings.llm_model or None,
                temperature=settings.llm_temperature,
                timeout=settings.llm_timeout,
                max_retries=0,
                http_async_client=_own_async_client(settings),
            )
        from langchain_ollama import ChatOllama

        return ChatOllama(
            model=settings.llm_model,
            base_url=settings.llm_base_url or None,
            temperature=settings.llm_temperature,
            client_kwargs={"timeout": settings.llm_timeout},
        )
    except ImportError as error:
        extra = _EXTRA[provider]
        raise ProviderError(
            f"LLM_PROVIDER={provider} needs its package: pip install 'scaling-advisor[{extra}]'"
        ) from error


def _own_async_client(settings: Settings) -> object:
    """An HTTP client for this chat model alone.

    langchain-openai otherwise shares one client per base URL for the whole process,
    whose pooled connections belong to the event loop that opened them: a model built
    for another loop (a restarted server, each test) would reuse them and fail.
    """
    import httpx

    return httpx.AsyncClient(timeout=settings.llm_timeout)
