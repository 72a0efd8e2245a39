use super::*;
use std::path::Path;

/// Parses one declaration written as Rust source (attribute attached).
fn decl(src: &str) -> Result<Declaration, Errors> {
    parse_item_fn(src.parse().unwrap())
}

fn err(src: &str) -> String {
    match decl(src) {
        Ok(_) => panic!("expected an error for:\n{src}"),
        Err(e) => e.to_string(),
    }
}

const SIMPLE_MUL: &str = r#"
#[iree_macros::extern_dispatch(
    source = "kernels/kernels.cu",
    workgroup_size = [64, 1, 1],
    count = |dim| [(dim as u32).div_ceil(64), 1, 1],
)]
/// `ret = lhs * rhs`
pub fn simple_mul(lhs: &DeviceSlice<f32>, rhs: &DeviceSlice<f32>, ret: &mut DeviceSlice<f32>, dim: i32);
"#;

#[test]
fn parses_the_iree_sample() {
    let d = decl(SIMPLE_MUL).unwrap();
    assert_eq!(d.export_name(), "simple_mul");
    assert_eq!(d.params.len(), 4);
    assert_eq!(d.workgroup_size.value, [64, 1, 1]);
    assert_eq!(d.layout.read_only_flags(), vec![true, true, false]);
    assert_eq!(d.layout.constants, 1);
    assert_eq!(d.count_uses(), vec!["dim".to_string()]);
    assert_eq!(d.binding_slots, vec![0, 1, 2]);
    assert!(matches!(d.objects, Objects::Source(_)));
    assert_eq!(d.attrs.len(), 1, "the doc comment is kept");
    assert_eq!(
        d.params[2].kind,
        iree_abi::manifest::ParamKind::Buffer {
            elem: "f32".into(),
            mutable: true,
            optional: false,
        }
    );
}

#[test]
fn macro_entry_point() {
    let attr: proc_macro2::TokenStream =
        r#"objects = { "gfx1100" = "k.co", "sm_80" = "k.ptx" }, export = "k", workgroup_size = [32, 2, 1], subgroup_size = 32, workgroup_local_memory = 1024, count = |device, n| [n, 1, 1]"#
            .parse()
            .unwrap();
    let item = "fn kernel(x: &mut runtime_hip::DeviceSlice<u32>, n: u32);"
        .parse()
        .unwrap();
    let d = parse_declaration(attr, item).unwrap();
    assert_eq!(d.export_name(), "k");
    let Objects::Prebuilt(objs) = &d.objects else {
        panic!()
    };
    assert_eq!(objs.len(), 2);
    assert_eq!(objs[1].target.to_string(), "sm_80");
    assert_eq!(d.subgroup_size.as_ref().unwrap().value, 32);
    assert_eq!(
        d.workgroup_local_memory
            .as_ref()
            .and_then(LocalMemory::bytes),
        Some(1024)
    );
    let c = d.count.as_ref().unwrap();
    assert_eq!(c.inputs[0].1, CountInput::Device);
    assert_eq!(c.inputs[1].1, CountInput::Param(1));
}

#[test]
fn explicit_layout_and_bindings() {
    let d = decl(
        r##"
#[extern_dispatch(
    source = "k.cu", workgroup_size = [64, 1, 1],
    layout = "#hal.pipeline.layout<push_constants = 1, sets = [<0, bindings = [<0, storage_buffer, ReadOnly>, <1, storage_buffer>]>]>",
    bindings = ["#hal.interface.binding<0, 0>", "#hal.interface.binding<0, 1>"],
)]
fn simple_mul_inplace(lhs: &DeviceSlice<f32>, rhs: &mut DeviceSlice<f32>, dim: i32);
"##,
    )
    .unwrap();
    assert_eq!(d.layout.read_only_flags(), vec![true, false]);
    assert_eq!(d.bindings.as_ref().unwrap().len(), 2);
    // Permuted bindings map buffers to other slots.
    let d = decl(
        r##"
#[extern_dispatch(
    source = "k.cu", workgroup_size = [64, 1, 1],
    layout = "#hal.pipeline.layout<constants = 0, bindings = [#hal.pipeline.binding<storage_buffer>, #hal.pipeline.binding<storage_buffer, ReadOnly>]>",
    bindings = ["#hal.interface.binding<0, 1>", "#hal.interface.binding<0, 0>"],
)]
fn swapped(a: &DeviceSlice<f32>, b: &mut DeviceSlice<f32>);
"##,
    )
    .unwrap();
    assert_eq!(d.binding_slots, vec![1, 0]);
}

#[test]
fn layout_disagreeing_with_signature() {
    let e = err(r##"
#[extern_dispatch(source = "k.cu", workgroup_size = [64, 1, 1],
    layout = "#hal.pipeline.layout<push_constants = 1, sets = [<0, bindings = [<0, storage_buffer, ReadOnly>, <1, storage_buffer, ReadOnly>]>]>")]
fn f(a: &DeviceSlice<f32>, b: &mut DeviceSlice<f32>, n: i32);
"##);
    assert!(
        e.contains("binding <0, 1> is ReadOnly") && e.contains("`b`"),
        "{e}"
    );
}

#[test]
fn bad_layout_string_quotes_the_fragment() {
    let e = err(r##"
#[extern_dispatch(source = "k.cu", workgroup_size = [64, 1, 1],
    layout = "#hal.pipeline.layout<push_constants = 1, sets = [<0, bindings = [<0, storage_bufer>]>]>")]
fn f(a: &DeviceSlice<f32>, n: i32);
"##);
    assert!(
        e.contains("storage_bufer") && e.contains("column 70"),
        "{e}"
    );
    assert!(e.starts_with("error: 3:"), "line of the literal: {e}");
}

#[test]
fn attribute_errors() {
    let e = err(r#"#[extern_dispatch(source = "k.cu", workgroup_sise = [1, 1, 1])] fn f();"#);
    assert!(
        e.contains("unknown key `workgroup_sise`")
            && e.contains("did you mean `workgroup_size`")
            && e.contains("valid keys: source, objects"),
        "{e}"
    );
    let e = err(
        r#"#[extern_dispatch(source = "k.cu", source = "k.cu", workgroup_size = [1, 1, 1])] fn f();"#,
    );
    assert!(e.contains("duplicate key `source`"), "{e}");
    let e = err(r#"#[extern_dispatch(source = "k.cu")] fn f();"#);
    assert!(e.contains("missing `workgroup_size"), "{e}");
    let e = err(r#"#[extern_dispatch(workgroup_size = [1, 1, 1])] fn f();"#);
    assert!(e.contains("missing `source"), "{e}");
    let e = err(
        r#"#[extern_dispatch(source = "k.cu", objects = { "gfx1100" = "k.co" }, workgroup_size = [1, 1, 1])] fn f();"#,
    );
    assert!(e.contains("not both"), "{e}");
    let e = err(
        r#"#[extern_dispatch(objects = { "gfx9999" = "k.co" }, workgroup_size = [1, 1, 1])] fn f();"#,
    );
    assert!(e.contains("gfx9999"), "{e}");
    let e = err(r#"#[extern_dispatch(source = "k.cu", workgroup_size = [64, 1])] fn f();"#);
    assert!(e.contains("three values"), "{e}");
    let e = err(r#"#[extern_dispatch(source = "k.cu", workgroup_size = [64, 0, 1])] fn f();"#);
    assert!(e.contains("cannot be 0"), "{e}");
}

#[test]
fn signature_errors() {
    let e =
        err(r#"#[extern_dispatch(source = "k.cu", workgroup_size = [1, 1, 1])] fn f(n: i32) {}"#);
    assert!(e.contains("no body"), "{e}");
    let e = err(
        r#"#[extern_dispatch(source = "k.cu", workgroup_size = [1, 1, 1])] fn f<T>(x: &DeviceSlice<T>);"#,
    );
    assert!(e.contains("cannot be generic"), "{e}");
    let e = err(
        r#"#[extern_dispatch(source = "k.cu", workgroup_size = [1, 1, 1])] fn f(&self, n: i32);"#,
    );
    assert!(e.contains("`self`"), "{e}");
    let e =
        err(r#"#[extern_dispatch(source = "k.cu", workgroup_size = [1, 1, 1])] fn f(n: char);"#);
    assert!(
        e.contains("parameter `n`") && e.contains("declare `i8` or `u8`"),
        "{e}"
    );
    let e =
        err(r#"#[extern_dispatch(source = "k.cu", workgroup_size = [1, 1, 1])] fn f(n: &[f32]);"#);
    assert!(e.contains("allowed parameter types"), "{e}");
    let e = err(
        r#"#[extern_dispatch(source = "k.cu", workgroup_size = [1, 1, 1])] fn f(n: &DeviceBuffer<f32>);"#,
    );
    assert!(e.contains("instead of `DeviceBuffer"), "{e}");
    let e = err(
        r#"#[extern_dispatch(source = "k.cu", workgroup_size = [1, 1, 1])] fn f(n: i32) -> i32;"#,
    );
    assert!(e.contains("no return type"), "{e}");
}

#[test]
fn scalars_and_structs_in_any_order() {
    let d = parse_item_fn(
        r#"#[extern_dispatch(source = "k.cu", workgroup_size = [1, 1, 1])]
        fn f(n: usize, x: &DeviceSlice<f32>, flag: bool, p: my::Params, y: &mut DeviceSlice<f32>, s: i16);"#
            .parse()
            .unwrap(),
    )
    .unwrap();
    let kinds: Vec<String> = d.params.iter().map(|p| p.kind.to_string()).collect();
    assert_eq!(
        kinds,
        [
            "usize",
            "&DeviceSlice<f32>",
            "bool",
            "my::Params",
            "&mut DeviceSlice<f32>",
            "i16"
        ]
    );
    // usize two words, bool and i16 one each; the struct is sized later.
    assert_eq!((d.layout.constants, d.layout.bindings.len()), (4, 2));
}

#[test]
fn count_errors() {
    let e = err(
        r#"#[extern_dispatch(source = "k.cu", workgroup_size = [1, 1, 1], count = |dimm| [dimm as u32, 1, 1])] fn f(dim: i32);"#,
    );
    assert!(
        e.contains("`dimm` is not a parameter of `f`") && e.contains("did you mean `dim`"),
        "{e}"
    );
    let e = err(
        r#"#[extern_dispatch(source = "k.cu", workgroup_size = [1, 1, 1], count = [1, 1, 1])] fn f(dim: i32);"#,
    );
    assert!(e.contains("must be a closure"), "{e}");
}

#[test]
fn errors_have_spans_with_positions() {
    let src = "#[extern_dispatch(source = \"k.cu\",\n    bogus = 1, workgroup_size = [1, 1, 1])]\nfn f();";
    let e = decl(src).unwrap_err();
    assert_eq!(e.0[0].line(), 2);
    assert_eq!(e.0[0].column(), 5);
    assert!(!e.to_compile_error().is_empty());
}

#[test]
fn parses_whole_files_with_nested_modules() {
    let src = r#"
use runtime_hip::DeviceSlice;
mod a {
    pub mod b {
        #[iree_macros::extern_dispatch(source = "k.cu", workgroup_size = [64, 1, 1], count = |n| [n, 1, 1])]
        pub fn inner(x: &mut DeviceSlice<f32>, n: u32);
    }
}
#[extern_dispatch(source = "k.cu", workgroup_size = [64, 1, 1])]
fn top(x: &DeviceSlice<f32>);
fn unrelated() {}
"#;
    let decls = parse_file(Path::new("src/lib.rs"), src).unwrap();
    assert_eq!(decls.len(), 2);
    assert_eq!(decls[0].ident, "inner");
    assert_eq!(decls[0].module_path, vec!["a", "b"]);
    assert_eq!(decls[0].line(), 6);
    assert_eq!(decls[1].line(), 10);
    assert_eq!(decls[1].file.as_deref(), Some(Path::new("src/lib.rs")));

    let bad = "#[extern_dispatch(source = \"k.cu\")]\nfn f();\n";
    let e = parse_file(Path::new("src/bad.rs"), bad).unwrap_err();
    assert!(e.to_string().starts_with("error: src/bad.rs:1:"), "{e}");
    let body = "#[extern_dispatch(source = \"k.cu\", workgroup_size = [1, 1, 1])]\nfn f() {}\n";
    let e = parse_file(Path::new("src/body.rs"), body).unwrap_err();
    assert!(
        e.to_string().contains("src/body.rs:2:") && e.to_string().contains("no body"),
        "{e}"
    );
}

#[test]
fn compare_with_the_manifest_entry() {
    use crate::model::{compare, lower, Mismatch};
    let d = decl(SIMPLE_MUL).unwrap();
    let lowered = lower(&d, "src/main.rs");
    let mut entry = iree_abi::manifest::DeclarationEntry {
        file: "src/main.rs".into(),
        line: d.line(),
        fn_name: "simple_mul".into(),
        export: "simple_mul".into(),
        executable: 0,
        executable_name: "kernels".into(),
        ordinal: 0,
        params: lowered.args.clone(),
        layout: lowered.layout_entry(),
        workgroup_size: [64, 1, 1],
        targets: vec![],
        host: None,
        errors: vec![],
        warnings: vec![],
        bundle_path: Default::default(),
        kernel_params: Vec::new(),
    };
    assert!(compare(&lowered, &entry).is_none());
    entry.params[3].kind = ParamKind::Scalar { ty: Scalar::U32 };
    let (what, message) = compare(&lowered, &entry).unwrap();
    assert_eq!(what, Mismatch::Param { index: 3 });
    assert!(
        message.contains("parameter 4 is `dim: i32` here but `dim: u32`"),
        "{message}"
    );
    entry.params.pop();
    let (what, message) = compare(&lowered, &entry).unwrap();
    assert_eq!(what, Mismatch::MissingParam { index: 3 });
    assert!(
        message.contains("`dim` is not in the manifest"),
        "{message}"
    );
}

#[test]
fn stream_is_reserved() {
    let e = err(
        r#"#[extern_dispatch(source = "k.cu", workgroup_size = [1, 1, 1])] fn f(x: &mut DeviceSlice<f32>, stream: u32);"#,
    );
    assert!(e.contains("`stream` is reserved"), "{e}");
}

#[test]
fn workgroup_size_overflow_is_an_error_at_the_attribute() {
    let e = err(
        r#"#[extern_dispatch(source = "k.cu", workgroup_size = [4294967295, 4294967295, 4294967295])] fn f(x: &mut DeviceSlice<f32>);"#,
    );
    assert!(e.contains("more threads than fit in a u32"), "{e}");
    assert!(
        e.contains("1:53"),
        "points at the attribute's brackets: {e}"
    );
}

#[test]
fn zero_sized_elements_are_refused() {
    for elem in [
        "()",
        "[f32; 0]",
        "core::marker::PhantomData<f32>",
        "((), ())",
    ] {
        let e = err(&format!(
            r#"#[extern_dispatch(source = "k.cu", workgroup_size = [1, 1, 1])] fn f(x: &mut DeviceSlice<{elem}>);"#
        ));
        assert!(
            e.contains("zero-sized element type") && e.contains("parameter `x`"),
            "{elem}: {e}"
        );
    }
}

#[test]
fn optional_buffers_are_bindings_that_may_be_null() {
    let d = decl(
        r#"#[extern_dispatch(source = "k.cu", workgroup_size = [64, 1, 1], count = |sums| [1, 1, 1])]
        fn reduce(input: &DeviceSlice<f32>, out: &mut DeviceSlice<f32>, sums: Option<&mut DeviceSlice<f32>>, hint: Option<&DeviceSlice<u32>>, n: i32);"#,
    )
    .unwrap();
    let kinds: Vec<String> = d.params.iter().map(|p| p.kind.to_string()).collect();
    assert_eq!(
        kinds,
        [
            "&DeviceSlice<f32>",
            "&mut DeviceSlice<f32>",
            "Option<&mut DeviceSlice<f32>>",
            "Option<&DeviceSlice<u32>>",
            "i32"
        ]
    );
    assert_eq!(d.layout.read_only_flags(), vec![true, false, false, true]);
    assert_eq!(d.layout.constants, 1);
    assert_eq!(
        d.params[2].elem.as_deref().map(type_string),
        Some("f32".into())
    );
    let e = err(
        r#"#[extern_dispatch(source = "k.cu", workgroup_size = [1, 1, 1])] fn f(n: Option<i32>);"#,
    );
    assert!(e.contains("`Option` is for buffers"), "{e}");
    let e = err(
        r#"#[extern_dispatch(source = "k.cu", workgroup_size = [1, 1, 1])] fn f(x: Option<&DeviceSlice<()>>);"#,
    );
    assert!(e.contains("zero-sized"), "{e}");
}

#[test]
fn local_memory_is_a_constant_or_a_closure_of_scalars() {
    let d = decl(
        r#"#[extern_dispatch(source = "k.cu", workgroup_size = [64, 1, 1], workgroup_local_memory = |device, n| n * 4)]
        fn k(x: &mut DeviceSlice<f32>, n: u32);"#,
    )
    .unwrap();
    let Some(LocalMemory::Closure(c)) = &d.workgroup_local_memory else {
        panic!("{:?}", d.workgroup_local_memory)
    };
    assert_eq!(c.inputs[0].1, CountInput::Device);
    assert_eq!(c.inputs[1].1, CountInput::Param(1));
    let m = model::lower(&d, "src/lib.rs");
    assert_eq!(m.workgroup_local_memory, 0);
    assert_eq!(
        m.local_memory_workload,
        Some(vec!["device".into(), "n".into()])
    );

    let src = |closure: &str| {
        format!(
            r#"#[extern_dispatch(source = "k.cu", workgroup_size = [64, 1, 1], workgroup_local_memory = {closure})]
            fn k(x: &mut DeviceSlice<f32>, count: u32);"#
        )
    };
    let e = err(&src("|cnt| cnt * 4"));
    assert!(
        e.contains("`cnt` is not a parameter of `k` (did you mean `count`?): `workgroup_local_memory` closure parameters name scalar parameters (count) or `device`"),
        "{e}"
    );
    let e = err(&src("|x| 4"));
    assert!(e.contains("`x` is a buffer"), "{e}");
    let e = err(&src("\"four\""));
    assert!(e.contains("a byte count (`= 1024`) or a closure"), "{e}");
}

#[test]
fn export_takes_c_and_cxx_names() {
    for name in [
        "simple_mul",
        "vectorAdd",
        "MatrixMulCUDA<16>",
        "ns::reduce<float, 256>",
        "vectorAdd(float const*, float*, int)",
        "::top<-1>",
    ] {
        let src = format!(
            r#"#[extern_dispatch(source = "k.cu", export = "{name}", workgroup_size = [1, 1, 1])] fn f();"#
        );
        let d = decl(&src).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(d.export_name(), name);
    }
    for name in ["", "a; b", "f<1", "f)(", "a\"b", "x{}", "1abc", "a/b"] {
        let src = format!(
            r#"#[extern_dispatch(source = "k.cu", export = "{}", workgroup_size = [1, 1, 1])] fn f();"#,
            name.replace('"', "\\\"")
        );
        assert!(
            err(&src).contains("is neither a C symbol nor a C++ kernel name"),
            "{name}"
        );
    }
}

#[test]
fn sizes_are_integer_constants_written_out() {
    let d = decl(
        r#"#[extern_dispatch(source = "k.cu", workgroup_size = [16 * 16, (2), 1], subgroup_size = 1 << 5, workgroup_local_memory = 8 * 4 + 2)]
        fn k(x: &mut DeviceSlice<f32>, n: u32);"#,
    )
    .unwrap();
    assert_eq!(d.workgroup_size.value, [256, 2, 1]);
    assert_eq!(d.subgroup_size.map(|s| s.value), Some(32));
    assert!(
        matches!(d.workgroup_local_memory, Some(LocalMemory::Bytes(ref b)) if b.value == 34),
        "{:?}",
        d.workgroup_local_memory
    );
    let src = |ws: &str, lm: &str| {
        format!(
            r#"#[extern_dispatch(source = "k.cu", workgroup_size = {ws}, workgroup_local_memory = {lm})]
            fn k(x: &mut DeviceSlice<f32>, n: u32);"#
        )
    };
    let e = err(&src("[BLOCK, 1, 1]", "4"));
    assert!(
        e.contains("`workgroup_size` takes integer constants written out (`256`, `16 * 16`)"),
        "{e}"
    );
    let e = err(&src("[64, 1, 1]", "(1 << 40) * (1 << 40)"));
    assert!(
        e.contains("`workgroup_local_memory`: this constant overflows"),
        "{e}"
    );
    let e = err(&src("[64, 1, 1]", "1 << 40"));
    assert!(e.contains("fits in u32"), "{e}");
}
