// Package sanitize removes secrets and personal data from the files of a
// support bundle, and proves it did (fail closed).
//
// It walks the structure of a HAR or any JSON document (never a regular
// expression over serialized JSON), holding one HAR entry at a time, and
// applies a [Policy]: a table of named rules (header, parameter, JSON key and
// path-segment names) plus detectors of secret shapes (JWTs, vendor API keys,
// private keys, keyword plus entropy) and personal data (emails, card numbers,
// IP addresses). Each redacted value becomes "[REDACTED:<kind>:<h8>]", where
// h8 comes from an HMAC-SHA256 whose random key lives only in the [Redactor],
// so the same secret gets the same tag in every file of one bundle.
//
// One [Redactor] serves one bundle: [Redactor.HAR], [Redactor.JSON] and
// [Redactor.DOM] (the rrweb events of the DOM replay) stream documents,
// [Redactor.Text] and [Redactor.ReporterField] sanitize strings,
// [Redactor.Verify] rescans each output file and [Redactor.Report] says
// what was redacted and where. [Scan] looks for secrets in any file without
// changing it. docs/SANITIZE.md documents the tags and every rule.
package sanitize
