"""CSS, JavaScript and icons of the review page (a package so that wheels include them)."""
