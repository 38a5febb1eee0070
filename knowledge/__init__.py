"""The advisor's content: guidance documents and the assessment's question bank and actions."""

from pathlib import Path

KNOWLEDGE_ROOT = Path(__file__).resolve().parent
GUIDANCE_DIR = KNOWLEDGE_ROOT / "guidance"
ASSESSMENT_DIR = KNOWLEDGE_ROOT / "assessment"
# Questions the guidance does not answer, by kind: the coverage rule compares against them.
OUT_OF_SCOPE_FILE = KNOWLEDGE_ROOT / "out_of_scope.yaml"
