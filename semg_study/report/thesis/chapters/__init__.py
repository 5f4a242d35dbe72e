"""The dissertation's chapters, one module per chapter, in :data:`semg_study.report.thesis.build.CHAPTER_MODULES`
order. Each holds its text as a template written by a person (``TEXT``), the values it names
(``values(ctx)``) and the tables and figures it places (``blocks(ctx, ns)``)."""
