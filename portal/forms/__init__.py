"""GOV.UK form fields, validators and error placement shared by the resident's and the staff
pages (neither web area imports the other)."""
