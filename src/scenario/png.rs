//! Display pictures as PNG files: what a scenario compares a display with (`expect-display png`),
//! what `--update-golden` writes, and what `--artifacts` keeps at a failure. A pixel is lit when
//! its brightness is at least half.

use std::path::Path;

/// A picture: width, height, a lit flag per pixel (row by row).
pub type Picture = (u32, u32, Vec<bool>);

fn lit(rgb: [u8; 3]) -> bool {
    (u32::from(rgb[0]) + u32::from(rgb[1]) + u32::from(rgb[2])) >= 3 * 128
}

/// Reads a PNG (any colour type png can expand to 8 bits).
pub fn read(path: &Path) -> Result<Picture, String> {
    let file = std::fs::File::open(path)
        .map_err(|e| format!("{e} (write it with `mpsim test --update-golden`)"))?;
    let mut dec = png::Decoder::new(std::io::BufReader::new(file));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().map_err(|e| format!("not a PNG: {e}"))?;
    let (w, h) = {
        let i = reader.info();
        (i.width, i.height)
    };
    if u64::from(w) * u64::from(h) > 4096 * 4096 {
        return Err(format!("{w}x{h} is larger than any display"));
    }
    let size = reader
        .output_buffer_size()
        .ok_or("the picture is too large")?;
    let mut buf = vec![0; size];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("not a PNG: {e}"))?;
    let channels = info.color_type.samples();
    let stride = info.line_size;
    let mut px = Vec::with_capacity((w * h) as usize);
    for y in 0..h as usize {
        let row = &buf[y * stride..];
        for x in 0..w as usize {
            let p = &row[x * channels..x * channels + channels];
            let rgb = match channels {
                1 | 2 => [p[0]; 3],
                _ => [p[0], p[1], p[2]],
            };
            px.push(lit(rgb));
        }
    }
    Ok((w, h, px))
}

/// How many pixels of `got` differ from `want` (all of them when the sizes differ).
pub fn differ(want: &Picture, w: u32, h: u32, got: &[[u8; 3]]) -> u64 {
    if (want.0, want.1) != (w, h) || want.2.len() != got.len() {
        return u64::from(w) * u64::from(h);
    }
    want.2
        .iter()
        .zip(got)
        .filter(|(a, b)| **a != lit(**b))
        .count() as u64
}

/// A display's pixels as a PNG (8-bit RGB).
pub fn encode(w: u32, h: u32, px: &[[u8; 3]]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().map_err(|e| e.to_string())?;
        let data: Vec<u8> = px.iter().flatten().copied().collect();
        wr.write_image_data(&data).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// Writes a display's pixels to `path`.
pub fn write(path: &Path, w: u32, h: u32, px: &[[u8; 3]]) -> Result<(), String> {
    let bytes = encode(w, h, px)?;
    std::fs::write(path, bytes).map_err(|e| e.to_string())
}
