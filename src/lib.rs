//! 科创中国榜单申报助手的核心库：表单定义、草稿格式、校验规则、Word 导出与导入、草稿库。
//!
//! 核心模块中没有任何图形界面代码；命令行与图形界面（`ui`，仅在 `gui` 特性开启时编译）
//! 都只是它的薄外壳。`cargo build --no-default-features` 证明核心不依赖 egui。

pub mod archive; // 外来压缩包（.docx、.xlsx）的有界读取：目录检查、逐部件与总量的解压上限
pub mod attachments; // 申报人的附件：复制到数据文件夹 attachments/<草稿编号>/，逐个检查类型、内容与大小；盖章扫描件
pub mod bundle; // 申报人发送的一切：申报表、附件清单中的文件与盖章扫描件，写成申报材料包（.zip）或随邮件草稿
pub mod consolidate; // 秘书处汇总：批量导入、查重、历年入选核对、推荐汇总表（.xlsx/.csv/.docx）
pub mod docx; // 导出 Word 申报表（内嵌草稿，可无损导入）
pub mod draft; // 草稿 JSON：读写、未知键保留、控制字符清理
pub mod files; // 唯一的写入（原子写入）与读取（先查类型和大小），文件错误的中文说法
pub mod input; // 输入的文字 → 保存的值（1,200、全角数字、2015年6月18日），以及值 → 显示的文字
pub mod intake; // 秘书处收到的一切：.docx、草稿 .json、邮件 .eml、申报材料包 .zip，逐件读成申报（附件、来源、需人工处理）
pub mod limits; // 读取的一切上限，集中一处并相互推导：写得出的就读得回
pub mod mail; // 提交邮件：主题、正文、mailto: 链接与带附件的未发送邮件（.eml）
pub mod naming; // 名称、单位与导出文件名（Windows 可用、不超过 120 字符）
pub mod review; // 专家评审（择优推荐）：评审方案、专家名单、回避与分配、评分表的发放与回收、汇总排序
pub mod rules; // 校验：字段规则、格式校验、跨字段规则 → 校验结果
pub mod sample; // 按表单定义生成“填满”的草稿，供基准测试与压力测试使用
pub mod schema; // 表单定义（assets/）：类型、内置资源、覆盖目录的加载与检查
pub mod store; // 本机草稿库：原子写入、自动保存、回收站、损坏文件的隔离
#[cfg(feature = "gui")]
pub mod ui; // 图形界面（eframe/egui，仅在 gui 特性开启时编译）

pub use draft::Draft;
pub use rules::{Finding, Severity, validate};
pub use schema::{Definitions, Form};
