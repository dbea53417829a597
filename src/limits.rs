//! Every limit on what the product reads, in one place, derived from one another so that
//! whatever the product writes it can read back: an accepted draft exports to a .docx the
//! import takes, a saved store file is one the store opens. Each limit also bounds the memory a
//! hostile file can take (product.md §8: under 200 MB and 2 s for any input).

/// A draft file (JSON). A maximal form — every text at its limit, 200 rows in every table — is
/// under 0.5 MB; the store refuses to save a larger draft, so it never writes what it cannot read.
pub const DRAFT_BYTES: u64 = 4 * 1024 * 1024;

/// Values (numbers, strings, arrays, objects …) in one draft. A maximal form has about 10,000;
/// each takes about 80 bytes in memory whatever its size on disk, so this bounds a 4 MB file of
/// one-digit numbers (two million values, 170 MB) to under 20 MB.
pub const DRAFT_ITEMS: usize = 200_000;

/// A .docx file on disk or in a package (an exported form is about 30 KB; a maximal one 0.3 MB).
pub const DOCX_BYTES: u64 = 50 * 1024 * 1024;

/// Entries of one zip archive (a .docx has about 20; a package a few dozen).
pub const ZIP_ENTRIES: usize = 1000;

/// The visible document (`word/document.xml`). A maximal form's is about 2 MB; export refuses
/// to write a larger one than this (「内容过多」), so every export can be imported.
pub const DOCUMENT_XML_BYTES: u64 = 32 * 1024 * 1024;

/// The custom XML part that carries the draft: the draft's JSON on one line (never longer than
/// the file it was read from) with `&`, `<` and `>` written as `\u0026` and the like (6 bytes
/// for 1), inside a small envelope.
pub const DRAFT_PART_BYTES: u64 = 6 * DRAFT_BYTES + 64 * 1024;

/// All parts one import inflates together.
pub const DOCX_INFLATE_BYTES: u64 = DOCUMENT_XML_BYTES + DRAFT_PART_BYTES + 8 * 1024 * 1024;

/// Deflate rarely beats 1:100 on real XML; a part that inflates past its limit at a ratio above
/// this is called a compression bomb, otherwise simply too large.
pub const BOMB_RATIO: u64 = 200;

/// A previous-winners list (.txt, .csv or .xlsx).
pub const PREVIOUS_BYTES: u64 = 20 * 1024 * 1024;
/// Names taken from a previous-winners list.
pub const PREVIOUS_NAMES: usize = 100_000;
/// All parts of a previous-winners .xlsx inflated together (100,000 names are about 10 MB).
pub const PREVIOUS_INFLATE_BYTES: u64 = 64 * 1024 * 1024;
/// Cells of a previous-winners sheet looked at (100,000 names in a few columns).
pub const PREVIOUS_CELLS: usize = 1_000_000;

/// The desk file of 秘书处汇总 (about 30 KB a submission).
pub const DESK_BYTES: u64 = 512 * 1024 * 1024;

/// One definition file of an override folder (the largest embedded one is about 20 KB).
pub const DEFINITION_BYTES: u64 = 1024 * 1024;

/// Excel's limit on the characters of one cell.
pub const XLSX_CELL_CHARS: usize = 32_767;

/// An e-mail (.eml) larger than this is not read: 126.com takes attachments up to 50 MB,
/// which base64 makes about 68 MB. Reading one takes about twice its size in memory.
pub const MAIL_BYTES: u64 = 80 * 1024 * 1024;
/// Attachments of one e-mail looked at, nested e-mails and packages included.
pub const MAIL_PARTS: usize = 500;
/// E-mails forwarded as attachments are opened this many levels deep.
pub const MAIL_DEPTH: usize = 4;
/// An e-mail with more attached e-mails (`Content-Type: message/…`) than this is not parsed:
/// mail-parser frees nested e-mails recursively, and 50,000 of them (1.6 MB) overflow the stack.
pub const MAIL_NESTED: usize = 16;
/// An e-mail with more header-like lines than this is not parsed: each costs mail-parser about
/// 120 bytes, so 19 million of them (76 MB) took 2.3 GB. A real e-mail has a few hundred.
pub const MAIL_HEADER_LINES: usize = 50_000;
/// A .zip package larger than this is not read.
pub const PACKAGE_BYTES: u64 = 100 * 1024 * 1024;
/// What all the entries of one package may inflate to together (each attachment is inflated
/// once, streamed through the hash, never held whole).
pub const PACKAGE_INFLATE_BYTES: u64 = 512 * 1024 * 1024;
/// One attachment in a package may inflate to at most this (the desk holds it whole only when
/// the clerk opens it).
pub const ATTACHMENT_BYTES: u64 = 200 * 1024 * 1024;
