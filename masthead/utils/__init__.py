"""Discord helpers every feature uses: who may act, errors in layers, stateless
components, and autocomplete of issues."""
