from semg_study.cli import main

raise SystemExit(main())
