"""Information intake from enterprises (issue 13 item 5): keys, the report body, the office's notice, launches."""
