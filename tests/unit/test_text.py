from bot.answering.text import split_sentences, stem, tokenize


def test_british_and_american_spellings_share_a_stem() -> None:
    assert stem("operationalize") == stem("operationalise")
    assert stem("centralized") == stem("centralised")
    assert stem("organization") == stem("organisation")


def test_tokenize_drops_stopwords_and_normalises_numbers() -> None:
    assert tokenize("How big is the team in year two?") == ["big", "team", "year", "2"]


def test_tokenize_splits_hyphenated_words() -> None:
    assert tokenize("risk-tiered governance") == ["risk", "tier", "governance"]


def test_split_sentences_keeps_abbreviations() -> None:
    text = "Use shared tools, e.g. a registry. Then automate it! Done?"
    assert split_sentences(text) == [
        "Use shared tools, e.g. a registry.",
        "Then automate it!",
        "Done?",
    ]
