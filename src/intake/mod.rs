//! Everything the secretariat receives, read into [`Submission`]s: one code path for a .docx
//! (our export, the same corrected in Word/WPS, a filled blank template, a version-1 export), a
//! draft .json, an e-mail saved from the mail client (.eml, with the form and its attachments)
//! and a .zip package (one form at its top, attachments anywhere else, the sealed scan as
//! 「盖章扫描件.*」). A file that is none of these, or cannot be read, is a submission too, of
//! origin [`Origin::Manual`] (「需人工处理」) with the reason: nothing is dropped.
//!
//! [`read`] works on bytes and a name; it does not touch the file system (the desk's scan in
//! [`crate::consolidate`] walks folders and reads files). Every input is bounded: a size limit
//! per container ([`crate::limits`]), archives through [`crate::archive`], and e-mail through
//! mail-parser on at most [`crate::limits::MAIL_BYTES`].

pub mod attachment;
mod check;
mod mail;
mod package;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use attachment::{Attachment, FileType, Step};
pub use check::{Report, check, check_draft, clean, edit_finding, note_finding, unknown_fields};

use crate::Definitions;
use crate::docx::import::{self, ImportError, VisibleEdit};
use crate::draft::{Draft, DraftError};
use crate::rules::Finding;

/// What kind of file a submission came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Container {
    /// A .docx on its own.
    Docx,
    /// A draft .json on its own.
    Json,
    /// An e-mail (.eml) with the form attached.
    Eml,
    /// A .zip package.
    Zip,
    /// Anything else (a PDF on its own, a picture, a .doc).
    Other,
}

impl Container {
    /// Word 文档 / 草稿文件 / 邮件 / 压缩包 / 其他文件.
    pub fn label(self) -> &'static str {
        match self {
            Container::Docx => "Word 文档",
            Container::Json => "草稿文件",
            Container::Eml => "邮件",
            Container::Zip => "压缩包",
            Container::Other => "其他文件",
        }
    }
}

/// What the form in a submission is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Our export, as exported.
    Export,
    /// Our export, changed after export (Word, WPS, LibreOffice): the visible values win.
    Edited,
    /// The blank template, filled by hand.
    Template,
    /// An export of version 1 (no content controls): its embedded draft.
    Older,
    /// Our export whose content controls another program removed: its embedded draft.
    Stripped,
    /// A draft .json.
    Draft,
    /// Not a form, or not readable: for the clerk to handle (the reason is kept).
    Manual,
}

impl Origin {
    /// 导出件 / Word 中修改过 / 模板填写 / 旧版导出 / 填写框已丢失 / 草稿 / 需人工处理.
    pub fn label(self) -> &'static str {
        match self {
            Origin::Export => "导出件",
            Origin::Edited => "Word 中修改过",
            Origin::Template => "模板填写",
            Origin::Older => "旧版导出",
            Origin::Stripped => "填写框已丢失",
            Origin::Draft => "草稿",
            Origin::Manual => "需人工处理",
        }
    }

    /// Whether the values are those the document shows (else the embedded draft's: a
    /// version-1 export, or one whose controls were removed).
    pub fn shows_values(self) -> bool {
        matches!(self, Origin::Export | Origin::Edited | Origin::Template)
    }
}

/// Why a file needs a person: the kinds of [`Manual`] (and of the desk's file notices).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ProblemKind {
    /// Missing, no permission, damaged, bad JSON or e-mail: not read.
    Unreadable,
    /// Over the size limit for its kind: not read.
    TooLarge,
    /// A .docx that is not a form of ours, a .json of another format.
    NotOurs,
    /// A draft of a newer format version than this program reads.
    NewerVersion,
    /// A draft of a list the loaded definitions do not have.
    UnknownList,
    /// An e-mail or package without a form in it.
    NoForm,
    /// A package with more than one form at its top.
    SeveralForms,
    /// A file of another kind (a PDF on its own, a picture).
    NotAForm,
    /// Taken in, but the visible text was edited in Word after export (a notice only).
    EditedAfterExport,
    /// The same content as a file (or e-mail) taken in before: counted once (a notice only).
    DuplicateFile { first: PathBuf },
}

/// A submission the clerk must handle by hand, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manual {
    #[serde(flatten)]
    pub kind: ProblemKind,
    /// Chinese, without the file's name: 「不是本程序的申报表……」.
    pub reason: String,
}

/// A field whose visible text in the .docx differs from the embedded draft (see
/// [`VisibleEdit`]); kept with the submission so the desk can show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub field: String,
    pub label: String,
    pub exported: String,
    pub visible: Option<String>,
}

/// A warning from reading a document, kept with the submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub field: String,
    pub message: String,
}

impl From<&Finding> for Note {
    fn from(f: &Finding) -> Note {
        Note {
            field: f.field.clone(),
            message: f.message.clone(),
        }
    }
}

impl From<&VisibleEdit> for Edit {
    fn from(e: &VisibleEdit) -> Edit {
        Edit {
            field: e.field.clone(),
            label: e.label.clone(),
            exported: e.exported.clone(),
            visible: e.visible.clone(),
        }
    }
}

impl Edit {
    /// One line for people, as import says it.
    pub fn describe(&self) -> String {
        VisibleEdit {
            field: self.field.clone(),
            label: self.label.clone(),
            exported: self.exported.clone(),
            visible: self.visible.clone(),
        }
        .describe()
    }
}

/// One application received: its draft, where it came from and what came with it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Submission {
    /// The form's content hash (xxh3-128, hex; for a [`Origin::Manual`] row the file's): the
    /// same form read twice, on its own or attached to an e-mail, has the same id. Decisions
    /// are keyed by it.
    pub id: String,
    /// The file as it was found (the path given, or below a folder given).
    pub source: PathBuf,
    /// What the file is (a desk saved before e-mails were read calls this `kind`).
    #[serde(alias = "kind")]
    pub container: Container,
    /// The form's name inside an e-mail or package (as shown: [`attachment::safe_name`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// Where the form sits inside its e-mail or package (empty for a form read on its own, and
    /// in a desk saved before this was kept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub member_at: Vec<attachment::Step>,
    /// What the form is; None in a desk saved before origins were kept ([`Submission::origin`]
    /// infers it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    origin: Option<Origin>,
    #[serde(with = "draft_json")]
    pub draft: Draft,
    /// Fields edited in Word after export (only for .docx).
    #[serde(default)]
    pub edits: Vec<Edit>,
    /// The values are those the document shows (a .docx with content controls); false: the
    /// embedded draft's, the edits only listed (a version-1 export).
    #[serde(default)]
    pub visible_values: bool,
    /// What reading the document noticed, on fields (a date whose text and picker disagree).
    #[serde(default)]
    pub notes: Vec<Note>,
    /// The files that came with the form (from an e-mail or a package).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// The e-mail's sender (「张三 <zs@example.cn>」) and date (「2023-06-01 10:20」).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<String>,
    /// For [`Origin::Manual`]: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual: Option<Manual>,
    /// The report's findings ([`check`]): cleaning, edits, notes, attachments, rules. Not saved:
    /// recomputed when a desk is loaded.
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

impl Submission {
    /// A submission of `draft` read from `source`.
    pub fn new(source: &Path, container: Container, origin: Origin, draft: Draft) -> Submission {
        Submission {
            id: String::new(),
            source: source.to_owned(),
            container,
            member: None,
            member_at: Vec::new(),
            origin: Some(origin),
            draft,
            edits: Vec::new(),
            visible_values: origin.shows_values(),
            notes: Vec::new(),
            attachments: Vec::new(),
            sender: None,
            sent: None,
            manual: None,
            findings: Vec::new(),
        }
    }

    /// A row 「需人工处理」 for `source` (whose bytes hash to `id`).
    pub fn manual(
        defs: &Definitions,
        source: &Path,
        container: Container,
        id: String,
        kind: ProblemKind,
        reason: String,
    ) -> Submission {
        let mut s = Submission::new(
            source,
            container,
            Origin::Manual,
            Draft::new(defs.call.year.to_string(), "", None),
        );
        s.id = id;
        s.manual = Some(Manual { kind, reason });
        s
    }

    pub fn origin(&self) -> Origin {
        self.origin
            .unwrap_or(match (self.container, self.visible_values) {
                (_, _) if self.manual.is_some() => Origin::Manual,
                (Container::Json, _) => Origin::Draft,
                (_, false) => Origin::Older,
                (_, true) if self.edits.is_empty() => Origin::Export,
                (_, true) => Origin::Edited,
            })
    }

    /// 「邮件 · Word 中修改过」.
    pub fn source_text(&self) -> String {
        format!("{} · {}", self.container.label(), self.origin().label())
    }

    /// 「3 个：a.pdf、b.pdf、盖章扫描件.pdf」, or empty.
    pub fn attachments_text(&self) -> String {
        if self.attachments.is_empty() {
            return String::new();
        }
        let names: Vec<&str> = self.attachments.iter().map(|a| a.name.as_str()).collect();
        format!("{} 个：{}", names.len(), names.join("、"))
    }

    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }

    /// The source's file name, for tables (with the form's name inside an e-mail or package).
    pub fn file_name(&self) -> String {
        let file = self
            .source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.source.display().to_string());
        match &self.member {
            Some(member) => format!("{file} › {member}"),
            None => file,
        }
    }

    /// Validates the draft on `today` (see [`Submission::findings`] and [`check`]).
    pub fn validate(&mut self, defs: &Definitions, today: NaiveDate) {
        self.findings = check(defs, self, today).findings;
    }
}

/// What one file held.
#[derive(Debug, Clone)]
pub struct Received {
    /// The file's content hash: the same file twice counts once.
    pub hash: String,
    /// An e-mail's Message-ID: the same e-mail saved twice counts once.
    pub message_id: Option<String>,
    /// Its submissions (an e-mail may carry several forms; anything else one), validated.
    pub submissions: Vec<Submission>,
}

/// One file a person opens (the form page, `validate`, `import`, `export`, `mail`): its bytes and
/// the forms in it (at least one, none 「需人工处理」).
#[derive(Debug, Clone)]
pub struct Opened {
    pub bytes: Vec<u8>,
    pub submissions: Vec<Submission>,
}

/// Opens `path` through the same reading as the desk, validated on `today`. The error names
/// the file and says why there is no form in it.
pub fn open(defs: &Definitions, path: &Path, today: NaiveDate) -> Result<Opened, String> {
    let bytes = crate::files::read_bounded(path, size_limit(path)).map_err(|e| e.to_string())?;
    let received = read(defs, path, &bytes, today);
    if let Some(manual) = received.submissions.iter().find_map(|s| s.manual.as_ref()) {
        let stop = if manual.reason.ends_with('。') {
            ""
        } else {
            "。"
        };
        return Err(format!("{}：{}{stop}", path.display(), manual.reason));
    }
    Ok(Opened {
        bytes,
        submissions: received.submissions,
    })
}

/// Reads the file `path` (within [`size_limit`]) into what it holds, validated on `today`; a
/// file that cannot be read is a row 「需人工处理」 saying why.
pub fn read_file(defs: &Definitions, path: &Path, today: NaiveDate) -> Received {
    use crate::files::FileError;
    let limit = size_limit(path);
    let e = match crate::files::read_bounded(path, limit) {
        Ok(bytes) => return read(defs, path, &bytes, today),
        Err(e) => e,
    };
    let (kind, reason) = match e {
        FileError::TooLarge { size, .. } => (
            ProblemKind::TooLarge,
            format!(
                "文件过大（{}，上限 {}）。申报表通常不到 1 MB，请确认是否发错了文件",
                crate::files::size_text(size),
                crate::files::size_text(limit)
            ),
        ),
        e => (ProblemKind::Unreadable, e.reason()),
    };
    // No content to hash: the path stands for it (the same path twice is one row).
    let hash = content_id(path.as_os_str().as_encoded_bytes());
    let container = match extension(path).as_deref() {
        Some("docx") => Container::Docx,
        Some("json") => Container::Json,
        Some("eml") => Container::Eml,
        Some("zip") => Container::Zip,
        _ => Container::Other,
    };
    let mut s = Submission::manual(defs, path, container, hash.clone(), kind, reason);
    s.validate(defs, today);
    Received {
        hash,
        message_id: None,
        submissions: vec![s],
    }
}

/// The content hash that identifies a file: xxh3-128 of its bytes, as 32 hex digits.
pub fn content_id(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

/// The most a file of each kind may be to be read (the largest of them for a file whose kind is
/// known only from its content).
pub fn size_limit(path: &Path) -> u64 {
    match extension(path).as_deref() {
        Some("docx") => crate::limits::DOCX_BYTES,
        Some("json") => crate::limits::DRAFT_BYTES,
        Some("eml") => crate::limits::MAIL_BYTES,
        Some("zip") => crate::limits::PACKAGE_BYTES,
        _ => crate::limits::MAIL_BYTES.max(crate::limits::PACKAGE_BYTES),
    }
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
}

/// Reads the file `path` holding `bytes` into its submissions, validated on `today`.
pub fn read(defs: &Definitions, path: &Path, bytes: &[u8], today: NaiveDate) -> Received {
    let hash = content_id(bytes);
    let (message_id, mut submissions) = match sniff(path, bytes) {
        Sniffed::Form(kind) => (None, vec![standalone(defs, path, bytes, kind, &hash)]),
        Sniffed::Mail => mail::read(defs, path, bytes, &hash),
        Sniffed::Package => (None, vec![package::read(defs, path, bytes, &hash)]),
        Sniffed::Other(what) => (
            None,
            vec![Submission::manual(
                defs,
                path,
                Container::Other,
                hash.clone(),
                ProblemKind::NotAForm,
                format!(
                    "{what}，不是申报表、申报草稿、邮件或申报材料包。{}",
                    other_advice(path, bytes)
                ),
            )],
        ),
    };
    for s in &mut submissions {
        s.validate(defs, today);
    }
    Received {
        hash,
        message_id,
        submissions,
    }
}

/// The content of an attachment of a submission from `container` whose file holds `bytes`;
/// None when it is no longer there.
pub fn extract(container: Container, bytes: &[u8], at: &[Step]) -> Option<Vec<u8>> {
    match container {
        Container::Eml => mail::extract(bytes, at),
        Container::Zip => package::extract(bytes, at),
        _ => None,
    }
}

/// Copies attachment `index` of `s` into `dir` for the system viewer (see
/// [`attachment::copy_for_viewing`]): the source file is read again within its limit, the
/// attachment taken from it and checked against its hash. The error is for people.
pub fn copy_attachment(s: &Submission, index: usize, dir: &Path) -> Result<PathBuf, String> {
    let a = s
        .attachments
        .get(index)
        .ok_or_else(|| format!("{}：找不到该附件，请重新导入后再试", s.source.display()))?;
    if let Some(why) = a.refusal() {
        return Err(why);
    }
    let source = a.source.as_deref().unwrap_or(&s.source);
    let container = a.container.unwrap_or(s.container);
    let bytes = crate::files::read_bounded(source, size_limit(source))
        .map_err(|e| format!("无法打开附件「{}」：{e}", a.name))?;
    let content = extract(container, &bytes, &a.at).ok_or_else(|| {
        format!(
            "{}：找不到附件「{}」（来源文件已被改动或替换），请重新导入后再打开",
            source.display(),
            a.name
        )
    })?;
    attachment::copy_for_viewing(dir, a, &content)
}

/// A message of the intake, written for the secretariat (「请申报人重新导出并发送」), as the
/// applicant reads it when opening their own file: the next step is theirs (「请重新导出并发送」).
pub fn to_applicant(message: &str) -> String {
    message
        .replace("或请申报人", "或")
        .replace("请申报人", "请")
        .replace("请与申报人核对", "请核对")
}

/// Up to five names joined with 「、」, then 「等 N 个」.
fn shorten_list(names: &[String]) -> String {
    let mut text = names
        .iter()
        .take(5)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("、");
    if names.len() > 5 {
        text.push_str(&format!("等 {} 个", names.len()));
    }
    text
}

/// A form by its content alone: a Word document (a zip with `word/document.xml`) or a draft of
/// ours (JSON naming our format).
fn form_kind_of(bytes: &[u8]) -> Option<FormKind> {
    if bytes.starts_with(b"PK\x03\x04") && is_office_zip(bytes) {
        return Some(FormKind::Docx);
    }
    let head = &bytes[..bytes.len().min(512)];
    (looks_like_json(bytes)
        && memchr::memmem::find(head, crate::draft::FORMAT.as_bytes()).is_some())
    .then_some(FormKind::Json)
}

/// The kind of a form file (on its own, attached, or in a package).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormKind {
    Docx,
    Json,
}

enum Sniffed {
    Form(FormKind),
    Mail,
    Package,
    /// Not ours: what it looks like (「PDF 文档」).
    Other(String),
}

/// What a file is, by its content first and its name second.
fn sniff(path: &Path, bytes: &[u8]) -> Sniffed {
    let ext = extension(path);
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        // A zip with a Word document inside is a .docx whatever its name; one named .docx that
        // is not goes to import, which says why.
        // Other formats are zips too (.xlsx, .ofd, .apk …): a package is named .zip or not
        // named at all.
        return if is_office_zip(bytes) || ext.as_deref() == Some("docx") {
            Sniffed::Form(FormKind::Docx)
        } else if matches!(ext.as_deref(), None | Some("zip")) {
            Sniffed::Package
        } else {
            Sniffed::Other(other_kind(path, bytes))
        };
    }
    if looks_like_json(bytes) || ext.as_deref() == Some("json") {
        return Sniffed::Form(FormKind::Json);
    }
    if ext.as_deref() == Some("docx") {
        // Named .docx but not a zip: import says why (not a Word document, or cut short).
        return Sniffed::Form(FormKind::Docx);
    }
    if ext.as_deref() == Some("eml") || mail::looks_like_mail(bytes) {
        return Sniffed::Mail;
    }
    Sniffed::Other(other_kind(path, bytes))
}

/// What a file that is none of ours is, for the reason of its row.
fn other_kind(path: &Path, bytes: &[u8]) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match FileType::of_name(&name) {
        FileType::Other if bytes.is_empty() => "空文件".to_owned(),
        FileType::Other => "无法识别的文件".to_owned(),
        FileType::Program => "可执行程序或脚本".to_owned(),
        k => format!("{} 文件", k.label()),
    }
}

/// The advice for a file that is none of ours: what to do with the common ones we cannot read.
fn other_advice(path: &Path, bytes: &[u8]) -> &'static str {
    let ext = extension(path);
    if bytes.starts_with(b"Rar!\x1A\x07") || bytes.starts_with(b"7z\xBC\xAF\x27\x1C") {
        return "RAR 或 7z 压缩包不能直接读取：请解压后导入文件夹，或请申报人改用 .zip 打包";
    }
    if ext.as_deref() == Some("msg") {
        return "Outlook 的 .msg 邮件不能读取：请在 Outlook 中把邮件另存为 .eml（或把附件另存出来）后再导入";
    }
    "若是某份申报的附件，请与对应的申报表放入同一个压缩包后再导入"
}

/// A zip with a Word document inside (`word/document.xml`): a .docx whatever its name.
fn is_office_zip(bytes: &[u8]) -> bool {
    crate::archive::Archive::open(bytes, 0)
        .map(|a| a.names().any(|n| n == "word/document.xml"))
        .unwrap_or(false)
}

fn looks_like_json(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{')
}

/// A form file on its own (.docx or .json).
fn standalone(
    defs: &Definitions,
    path: &Path,
    bytes: &[u8],
    kind: FormKind,
    hash: &str,
) -> Submission {
    let container = match kind {
        FormKind::Docx => Container::Docx,
        FormKind::Json => Container::Json,
    };
    match form(defs, path, bytes, kind, container) {
        Ok(s) => s,
        Err((kind, reason)) => {
            Submission::manual(defs, path, container, hash.to_owned(), kind, reason)
        }
    }
}

/// Reads a form's bytes into a submission (not yet validated); the error is why not.
fn form(
    defs: &Definitions,
    source: &Path,
    bytes: &[u8],
    kind: FormKind,
    container: Container,
) -> Result<Submission, (ProblemKind, String)> {
    let mut s = match kind {
        FormKind::Docx => {
            let imported = import::import(defs, bytes).map_err(import_problem)?;
            let mut s = Submission::new(source, container, imported.origin, imported.draft);
            s.edits = imported.edits.iter().map(Edit::from).collect();
            s.visible_values = imported.origin.shows_values();
            s.notes = imported.notes.iter().map(Note::from).collect();
            s
        }
        FormKind::Json => {
            let draft = Draft::from_slice(bytes).map_err(|e| draft_problem(e, false))?;
            Submission::new(source, container, Origin::Draft, draft)
        }
    };
    if defs.form(&s.draft.list).is_none() {
        let known: Vec<&str> = defs.forms.iter().map(|f| f.name.as_str()).collect();
        return Err((
            ProblemKind::UnknownList,
            format!(
                "榜单「{}」不认识（可用的榜单：{}）。请确认表单定义与申报人所用的版本一致",
                s.draft.list,
                known.join("、")
            ),
        ));
    }
    if let Some(form) = defs.form(&s.draft.list) {
        let notes = clean(form, &mut s.draft);
        s.notes.splice(0..0, notes);
    }
    s.id = content_id(bytes);
    Ok(s)
}

fn import_problem(e: ImportError) -> (ProblemKind, String) {
    match e {
        ImportError::TooLarge(size) => (
            ProblemKind::TooLarge,
            format!("文件过大（{}）", crate::files::size_text(size)),
        ),
        ImportError::NotDocx(_) | ImportError::Damaged(_) => (
            ProblemKind::Unreadable,
            format!("{e}。请申报人重新导出并发送"),
        ),
        ImportError::NotOurs => (
            ProblemKind::NotOurs,
            e.to_string().trim_end_matches('。').to_owned(),
        ),
        ImportError::Draft(d) => draft_problem(d, true),
    }
}

fn draft_problem(e: DraftError, embedded: bool) -> (ProblemKind, String) {
    let inside = if embedded {
        "文档中内嵌的申报草稿无法读取："
    } else {
        ""
    };
    match e {
        DraftError::NewerVersion(_) => (ProblemKind::NewerVersion, format!("{inside}{e}")),
        DraftError::TooLarge { .. } | DraftError::TooManyItems { .. } => {
            (ProblemKind::TooLarge, format!("{inside}{e}"))
        }
        DraftError::WrongFormat(_) => (
            ProblemKind::NotOurs,
            format!("{inside}{e}。只能导入本程序导出的申报表 .docx 或保存的申报草稿 .json"),
        ),
        DraftError::Json { .. } if embedded => (ProblemKind::Unreadable, format!("{inside}{e}")),
        // Said where the file was given as a draft (not inside a .docx).
        DraftError::Json { .. } => (
            ProblemKind::Unreadable,
            format!("{e}。请确认选择的是本程序保存的申报草稿 .json 文件"),
        ),
        DraftError::BadKey { .. } | DraftError::DuplicateKey(_) | DraftError::Utf16 => (
            ProblemKind::Unreadable,
            format!("{inside}{e}。请申报人重新保存或导出后发送"),
        ),
    }
}

/// A [`Draft`] inside the desk file: the draft JSON of forms.md §10, unknown keys kept.
mod draft_json {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::draft::Draft;

    pub fn serialize<S: Serializer>(draft: &Draft, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(draft, s)
    }

    /// From the draft's own text, so that numbers keep the form they were written in.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Draft, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
        Draft::from_slice(raw.get().as_bytes()).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A submission as a desk saved it before e-mails were read: `kind`, no origin.
    fn old(kind: &str, visible: bool, edits: &str) -> Submission {
        let json = format!(
            r#"{{"id": "ab", "source": "x", "kind": "{kind}", "visible_values": {visible},
                "edits": {edits},
                "draft": {{"format": "kczg-form/draft", "version": 1, "call": "2023",
                          "list": "tech_manager", "values": {{}}}}}}"#
        );
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn a_desk_saved_before_origins_reads_with_them_inferred() {
        let edit = r#"[{"field": "a", "label": "A", "exported": "1", "visible": "2"}]"#;
        let s = old("docx", true, "[]");
        assert_eq!((s.container, s.origin()), (Container::Docx, Origin::Export));
        assert_eq!(old("docx", true, edit).origin(), Origin::Edited);
        assert_eq!(old("docx", false, edit).origin(), Origin::Older);
        let s = old("json", false, "[]");
        assert_eq!((s.container, s.origin()), (Container::Json, Origin::Draft));
        assert!(s.attachments.is_empty() && s.manual.is_none());
        let saved = serde_json::to_value(&s).unwrap();
        assert_eq!(saved["container"], "json");
    }

    #[test]
    fn what_a_file_is_comes_from_its_content_first() {
        let p = |n: &str| PathBuf::from(n);
        assert!(matches!(
            sniff(&p("a.txt"), b"{\"format\": 1}"),
            Sniffed::Form(FormKind::Json)
        ));
        assert!(matches!(
            sniff(&p("a"), b"Received: from x\r\nFrom: a@example.cn\r\n"),
            Sniffed::Mail
        ));
        assert!(matches!(
            sniff(&p("a.zip"), b"PK\x05\x06"),
            Sniffed::Package
        ));
        assert!(matches!(
            sniff(&p("a.docx"), b"not a zip"),
            Sniffed::Form(FormKind::Docx)
        ));
        assert!(matches!(sniff(&p("a.pdf"), b"%PDF-1.4"), Sniffed::Other(w) if w == "PDF 文件"));
        assert!(matches!(sniff(&p("a.bin"), b""), Sniffed::Other(w) if w == "空文件"));
    }
}

#[cfg(test)]
mod applicant_voice {
    use super::to_applicant;

    #[test]
    fn the_applicant_reads_their_own_next_step() {
        for (desk, applicant) in [
            (
                "文件已损坏。请申报人重新导出并发送",
                "文件已损坏。请重新导出并发送",
            ),
            (
                "RAR 或 7z 压缩包不能直接读取：请解压后导入文件夹，或请申报人改用 .zip 打包",
                "RAR 或 7z 压缩包不能直接读取：请解压后导入文件夹，或改用 .zip 打包",
            ),
            (
                "已按内嵌的草稿导入，请与申报人核对文档",
                "已按内嵌的草稿导入，请核对文档",
            ),
            ("没有要改的", "没有要改的"),
        ] {
            assert_eq!(to_applicant(desk), applicant);
        }
    }
}
