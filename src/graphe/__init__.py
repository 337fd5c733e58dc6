"""graphe: a linked-data knowledge graph of the contrats de ville of Paris Est Marne&Bois."""

__version__ = "0.1.0"
