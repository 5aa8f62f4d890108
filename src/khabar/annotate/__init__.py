"""Pre-annotation: name lists, entity and event rules, the CRF, the annotator that combines them."""
