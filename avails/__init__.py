"""EMA Avails, the industry's exchange format for who may show what, where and when.

- Read: `avails.parsers.avails_parse(data, source=...)` turns XML (v2.1–v2.7) or a spreadsheet
  (template v1.6–v1.9, Movies and TV) into AvailRecords plus problems located by row or element.
  What MovieLabs' reference validator accepts is accepted and what it refuses is refused: XML is
  checked against its version's structure (avails.parsers.structure) before it is read; older
  templates' conventions (v1.6 column names, T/F, comma-separated lists, one TransactionID over
  several territory rows) are read as the reference reads them.
- Import: `avails.services.avails_import(...)`, `manage.py import_avails PATH [--dry-run]
  [--direction out|in] [--licensee SLUG] [--map-organization NAME=SLUG] [--map-drama TITLE=DRAMA]
  [--create-new-organizations] [--create-new-dramas] [--create-new]`, and the admin upload (preview,
  then confirm). Both create no organization or drama without a choice (avails_import_resolution).
- Export: `avails.exporters.avails_xml_for(windows, version=...)` / `avails_xlsx_for(windows, version=...)`,
  and `manage.py export_avails --licensee SLUG --format xlsx|xml [--avails-version V] -o PATH`; every
  version read can be written, and what is written imports again onto the same windows.

Platform terms that EMA has no field for travel as Terms (XML) or OtherTerms (spreadsheet):
FreeEpisodes=N, EpisodeRange=A-B (also A- and -B), AudioLanguages / SubtitleLanguages (and, in
XML v2.1, which has no language elements, HoldbackLanguages).
"""
