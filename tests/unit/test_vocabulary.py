from bot.answering.vocabulary import Vocabulary


def test_user_words_bring_the_knowledge_base_terms() -> None:
    vocabulary = Vocabulary({"poc": "pilot", "go live": "production deployment"})
    assert vocabulary.expand("When can our POC go live?") == (
        "When can our POC go live? (pilot; production deployment)"
    )


def test_words_match_whole_words_only() -> None:
    vocabulary = Vocabulary({"poc": "pilot"})
    assert vocabulary.expand("a pocket guide") == "a pocket guide"


def test_a_word_matches_its_plural_but_not_a_longer_word() -> None:
    vocabulary = Vocabulary({"experiment": "pilot"})
    assert vocabulary.expand("our experiments stall") == "our experiments stall (pilot)"
    assert vocabulary.expand("experimental setup") == "experimental setup"


def test_the_shipped_vocabulary_loads() -> None:
    assert "(pilot)" in Vocabulary.load().expand("how long should a proof of concept run?")
