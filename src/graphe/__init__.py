"""graphe: a linked-data knowledge graph of the contrats de ville of Paris Est Marne&Bois."""

#: The version, written here only (pyproject.toml reads it; CHANGELOG.md says what changed).
__version__ = "0.2.0"
