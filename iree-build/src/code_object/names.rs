//! Finding an export's kernel in an object by the name its declaration
//! wrote: an `extern "C"` symbol, or a C++ name (`vectorAdd`,
//! `MatrixMulCUDA<16>`, `ns::reduce<float, 256>`) that the object holds
//! mangled (`_Z13MatrixMulCUDAILi16EEvPfS0_S0_ii`).
//!
//! A C++ name is compared with each kernel's demangled name
//! ([`cpp_demangle`]) without its return type and parameter list, after
//! [`canonical`]: whitespace normalised and integer template arguments
//! compared by value (`256` and `256u` are one argument). A name that ends
//! in a parameter list (`vectorAdd(float const*, float*, int)`) is compared
//! with the parameter list too, which picks one overload. Host objects name
//! their kernels by [`iree_abi::host::export_id`] instead (the host header
//! exports a C++ kernel under that id), so there the id is looked up.

use super::{KernelInfo, ObjectInfo};

/// What looking an export up in an object found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// Exactly one kernel.
    Found(&'a KernelInfo),
    /// Several kernels match (overloads, or a name several instances
    /// share): their demangled names with parameter lists, sorted.
    Ambiguous(Vec<String>),
    /// None.
    Missing,
}

impl ObjectInfo {
    /// Looks `export` up among the object's kernels (see the module docs).
    pub fn lookup(&self, export: &str) -> Lookup<'_> {
        if let Some(k) = self.kernels.iter().find(|k| k.name == export) {
            return Lookup::Found(k);
        }
        let id = iree_abi::host::export_id(export);
        if let Some(k) = self.kernels.iter().find(|k| k.name == id) {
            return Lookup::Found(k);
        }
        let matches = matching(export, self.kernels.iter().map(|k| k.name.as_str()));
        match matches.as_slice() {
            [] => Lookup::Missing,
            [one] => match self.kernels.iter().find(|k| k.name == *one) {
                Some(k) => Lookup::Found(k),
                None => Lookup::Missing,
            },
            many => Lookup::Ambiguous(candidates(many)),
        }
    }

    /// The kernel `name` names, if exactly one does.
    pub fn kernel(&self, name: &str) -> Option<&KernelInfo> {
        match self.lookup(name) {
            Lookup::Found(k) => Some(k),
            _ => None,
        }
    }
}

/// The mangled `symbols` whose demangled names `export` (a C++ name)
/// names, in the order given (see the module docs).
pub fn matching<'s>(export: &str, symbols: impl Iterator<Item = &'s str>) -> Vec<&'s str> {
    let with_params = parameter_list_at(export).is_some();
    let want = canonical(export);
    // A template's name without arguments names each of its instances.
    let any_instance = !want.contains('<');
    symbols
        .filter(|sym| {
            let Some(name) = demangle(sym, with_params) else {
                return false;
            };
            let name = canonical(&name);
            name == want || (any_instance && !with_params && strip_template_args(&name) == want)
        })
        .collect()
}

/// Several matching symbols as an ambiguity error lists them: demangled
/// with their parameter lists, sorted.
pub fn candidates(symbols: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = symbols.iter().map(|s| display_name(s)).collect();
    names.sort();
    names.dedup();
    names
}

/// How a kernel symbol reads in messages: demangled with its parameter
/// list (`ns::reduce<float, 256u>(float const*, float*, unsigned int)`),
/// or the symbol itself when it is not mangled.
pub fn display_name(symbol: &str) -> String {
    demangle(symbol, true).unwrap_or_else(|| symbol.to_string())
}

/// A kernel symbol's name without its parameter list (`MatrixMulCUDA<16>`),
/// or the symbol itself when it is not mangled: what a declaration writes.
pub fn short_name(symbol: &str) -> String {
    demangle(symbol, false).unwrap_or_else(|| symbol.to_string())
}

/// The demangled name of an Itanium-mangled symbol, without its return
/// type and, unless `params`, without its parameter list; `None` for a
/// symbol that is not mangled.
fn demangle(symbol: &str, params: bool) -> Option<String> {
    if !symbol.starts_with("_Z") {
        return None;
    }
    let sym = cpp_demangle::Symbol::new(symbol).ok()?;
    let mut options = cpp_demangle::DemangleOptions::new().no_return_type();
    if !params {
        options = options.no_params();
    }
    sym.demangle_with_options(&options).ok()
}

/// Where the parameter list of `name` starts, if it has one at the top
/// level (`f(int)`, `ns::f<1>(float*)`), as opposed to parentheses inside
/// template arguments (`f<(char)1>`).
pub(crate) fn parameter_list_at(name: &str) -> Option<usize> {
    let mut angle = 0i32;
    for (i, c) in name.char_indices() {
        match c {
            '<' => angle += 1,
            '>' => angle -= 1,
            '(' if angle == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// A canonical name without the template arguments of its last component
/// (`ns::reduce<float,256>` → `ns::reduce`).
fn strip_template_args(name: &str) -> &str {
    if !name.ends_with('>') {
        return name;
    }
    let mut depth = 0i32;
    for (i, c) in name.char_indices().rev() {
        match c {
            '>' => depth += 1,
            '<' => {
                depth -= 1;
                if depth == 0 {
                    return &name[..i];
                }
            }
            _ => {}
        }
    }
    name
}

/// `name` as tokens that compare equal when two spellings mean the same
/// name: whitespace only between words (`unsigned int`), integer
/// literals without their suffix or the cast the demangler writes
/// (`256u`, `(unsigned int)256` → `256`).
pub fn canonical(name: &str) -> String {
    drop_integer_casts(&spaced(name))
}

/// Removes `(<integer type>)` before an integer literal in a [`spaced`]
/// name: how the demangler spells a non-`int` integer template argument.
fn drop_integer_casts(name: &str) -> String {
    const INTEGER_WORDS: &[&str] = &[
        "unsigned", "signed", "int", "long", "short", "char", "__int128",
    ];
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(open) = rest.find('(') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let cast = after.find(')').filter(|&close| {
            let inside = &after[..close];
            let next = after[close + 1..].chars().next();
            !inside.is_empty()
                && inside.split(' ').all(|w| INTEGER_WORDS.contains(&w))
                && next.is_some_and(|c| c.is_ascii_digit() || c == '-')
        });
        match cast {
            Some(close) => rest = &after[close + 1..],
            None => {
                out.push('(');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whitespace only between words, integer suffixes dropped.
fn spaced(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars().peekable();
    let mut last_word = false;
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '_' {
            let mut word = String::from(c);
            while let Some(&n) = chars.peek() {
                if n.is_ascii_alphanumeric() || n == '_' {
                    word.push(n);
                    chars.next();
                } else {
                    break;
                }
            }
            if word.starts_with(|c: char| c.is_ascii_digit()) {
                let digits = word.trim_end_matches(['u', 'U', 'l', 'L']);
                if digits.chars().all(|c| c.is_ascii_digit()) {
                    word.truncate(digits.len());
                }
            }
            if last_word {
                out.push(' ');
            }
            out.push_str(&word);
            last_word = true;
        } else {
            out.push(c);
            last_word = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(names: &[&str]) -> ObjectInfo {
        ObjectInfo {
            format: crate::target::Format::Hsaco,
            target: None,
            ptx_version: None,
            kernels: names
                .iter()
                .map(|n| KernelInfo {
                    name: n.to_string(),
                    ..KernelInfo::default()
                })
                .collect(),
            unexported: Vec::new(),
        }
    }

    const MATMUL_16: &str = "_Z13MatrixMulCUDAILi16EEvPfS0_S0_ii";
    const MATMUL_32: &str = "_Z13MatrixMulCUDAILi32EEvPfS0_S0_ii";
    const REDUCE: &str = "_ZN2ns6reduceIfLj256EEEvPKT_PS1_j";
    const ADD_F: &str = "_Z9vectorAddPKfPfi";
    const ADD_D: &str = "_Z9vectorAddPKdPdi";

    #[test]
    fn canonical_spellings() {
        assert_eq!(
            canonical("ns::reduce< float ,256u >"),
            "ns::reduce<float,256>"
        );
        assert_eq!(canonical("f<unsigned int, 3ul>"), "f<unsigned int,3>");
        assert_eq!(canonical("a<b<1> >"), "a<b<1>>");
        assert_eq!(
            canonical("ns::reduce<float, (unsigned int)256>"),
            "ns::reduce<float,256>"
        );
        assert_eq!(
            canonical("f(unsigned int)"),
            "f(unsigned int)",
            "a parameter list is no cast"
        );
    }

    #[test]
    fn finds_cxx_kernels() {
        let obj = object(&["plain", MATMUL_16, MATMUL_32, REDUCE, ADD_F]);
        let name = |n: &str| obj.kernel(n).map(|k| k.name.as_str());
        assert_eq!(name("plain"), Some("plain"));
        assert_eq!(name("MatrixMulCUDA<16>"), Some(MATMUL_16));
        assert_eq!(name("MatrixMulCUDA< 32 >"), Some(MATMUL_32));
        assert_eq!(name("ns::reduce<float, 256>"), Some(REDUCE));
        assert_eq!(name("ns::reduce<float,256u>"), Some(REDUCE));
        assert_eq!(name("vectorAdd"), Some(ADD_F));
        assert_eq!(
            name(MATMUL_16),
            Some(MATMUL_16),
            "a mangled name still works"
        );
        assert_eq!(name("ns::reduce<float, 128>"), None);
        assert_eq!(
            name("reduce<float, 256>"),
            None,
            "namespaces are part of the name"
        );
    }

    #[test]
    fn ambiguity_lists_candidates_and_parameters_pick_one() {
        let obj = object(&[ADD_F, ADD_D, MATMUL_16, MATMUL_32]);
        match obj.lookup("vectorAdd") {
            Lookup::Ambiguous(c) => assert_eq!(
                c,
                [
                    "vectorAdd(double const*, double*, int)",
                    "vectorAdd(float const*, float*, int)"
                ]
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            obj.kernel("vectorAdd(double const*, double*, int)")
                .map(|k| k.name.as_str()),
            Some(ADD_D)
        );
        match obj.lookup("MatrixMulCUDA") {
            Lookup::Ambiguous(c) => assert_eq!(c.len(), 2, "{c:?}"),
            other => panic!("{other:?}"),
        }
        let one = object(&[MATMUL_16, REDUCE]);
        assert_eq!(
            one.kernel("MatrixMulCUDA").map(|k| k.name.as_str()),
            Some(MATMUL_16)
        );
        assert_eq!(
            one.kernel("ns::reduce").map(|k| k.name.as_str()),
            Some(REDUCE)
        );
        assert!(matches!(obj.lookup("nothing"), Lookup::Missing));
    }

    #[test]
    fn host_kernels_are_found_by_id() {
        let id = iree_abi::host::export_id("MatrixMulCUDA<16>").into_owned();
        let obj = object(&[&id]);
        assert!(obj.kernel("MatrixMulCUDA<16>").is_some());
    }
}
