"""Portal pages, one module per area: account (profile, token), dashboard, links (the
registry list, detail, transitions, export), notifications; the submit page and the registers
have their own modules. portal/urls.py imports the modules by name."""
