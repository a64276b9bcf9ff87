//! Saving text as a file: a `blob:` URL on the page's own origin, clicked as a download.

/// Offers `text` as a download named `file_name` with the MIME type `content_type`.
pub fn download(file_name: &str, text: &str, content_type: &str) {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(content_type);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        if let Ok(link) = document.create_element("a") {
            let _ = link.set_attribute("href", &url);
            let _ = link.set_attribute("download", file_name);
            if let Some(link) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&link) {
                link.click();
            }
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}
