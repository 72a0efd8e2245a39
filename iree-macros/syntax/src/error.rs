//! Errors of the declaration syntax, usable from both sides: the macro turns
//! them into `compile_error!` at their span, the build script prints them with
//! `file:line:column` (proc-macro2's `span-locations` gives the position even
//! outside a macro).

use proc_macro2::{Span, TokenStream};
use std::fmt;
use std::path::PathBuf;

/// One problem with a declaration.
#[derive(Clone, Debug)]
pub struct Error {
    /// Where to point (the key, the literal, the parameter …).
    pub span: Span,
    /// What is wrong and what to write instead.
    pub message: String,
    /// The file being parsed, when parsing a whole file (`Build::bridge`).
    pub file: Option<PathBuf>,
}

impl Error {
    /// An error at `span`.
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Error {
            span,
            message: message.into(),
            file: None,
        }
    }

    /// 1-based line of the span start (0 when unknown: inside a compiler
    /// that hides positions).
    pub fn line(&self) -> usize {
        self.span.start().line
    }

    /// 1-based column of the span start (proc-macro2 counts from 0).
    pub fn column(&self) -> usize {
        self.span.start().column + 1
    }

    /// As a `syn::Error` (for `?` inside syn parsers and for the macro).
    pub fn to_syn(&self) -> syn::Error {
        syn::Error::new(self.span, &self.message)
    }

    /// `compile_error!{…}` at the span.
    pub fn to_compile_error(&self) -> TokenStream {
        self.to_syn().to_compile_error()
    }
}

impl From<syn::Error> for Error {
    fn from(e: syn::Error) -> Self {
        Error::new(e.span(), e.to_string())
    }
}

impl fmt::Display for Error {
    /// `file:line:column: message` (rustc's layout), without the file when
    /// unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}:{}:{}: ", file.display(), self.line(), self.column())?;
        } else if self.line() > 0 {
            write!(f, "{}:{}: ", self.line(), self.column())?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Every problem found in one parse: the macro reports all of them at once,
/// as rustc does, instead of making the user fix them one build at a time.
#[derive(Clone, Debug, Default)]
pub struct Errors(pub Vec<Error>);

impl Errors {
    /// Records one more error.
    pub fn push(&mut self, e: Error) {
        self.0.push(e)
    }

    /// Records an error at `span`.
    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        self.0.push(Error::new(span, message))
    }

    /// True when nothing went wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(v)` when empty, else `Err(self)`.
    pub fn finish<T>(self, v: T) -> Result<T, Errors> {
        if self.0.is_empty() {
            Ok(v)
        } else {
            Err(self)
        }
    }

    /// Sets the file of every error that has none.
    pub fn with_file(mut self, file: &std::path::Path) -> Self {
        for e in &mut self.0 {
            e.file.get_or_insert_with(|| file.to_path_buf());
        }
        self
    }

    /// All errors as `compile_error!` invocations.
    pub fn to_compile_error(&self) -> TokenStream {
        self.0.iter().map(Error::to_compile_error).collect()
    }
}

impl From<Error> for Errors {
    fn from(e: Error) -> Self {
        Errors(vec![e])
    }
}

impl From<syn::Error> for Errors {
    fn from(e: syn::Error) -> Self {
        Errors(e.into_iter().map(Error::from).collect())
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "error: {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}
