"""JSON Schemas shipped with rex: case files, rule files and the JSON report."""
