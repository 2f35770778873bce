"""Qualiopi: the referential as data, result indicators, quality registers, public offer pages,
organisation documents, the evidence export and the BPF figures (RNQ, domain.md §3 and §9)."""
