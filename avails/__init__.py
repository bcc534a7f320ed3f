"""EMA Avails, the industry's exchange format for who may show what, where and when.

- Read: `avails.parsers.avails_parse(data, source=...)` turns XML (v2.2–v2.6) or a spreadsheet
  (template v1.7–v1.9, Movies and TV) into AvailRecords plus problems located by row or element.
- Import: `avails.services.avails_import(...)`, `manage.py import_avails PATH [--dry-run]
  [--direction out|in] [--licensee SLUG]`, and the admin upload (preview, then confirm).
- Export: `avails.exporters.avails_xml_for(windows)` / `avails_xlsx_for(windows)`, and
  `manage.py export_avails --licensee SLUG --format xlsx|xml -o PATH`.

Platform terms that EMA has no field for travel as Terms (XML) or OtherTerms (spreadsheet):
FreeEpisodes=N, EpisodeRange=A-B (also A- and -B), AudioLanguages / SubtitleLanguages.
"""
