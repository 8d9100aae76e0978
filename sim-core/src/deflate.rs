//! The `deflate` module's engine, as the firmware's (uzlib, extmod/moddeflate.c) behaves where a
//! script can see it:
//! - decompression pulls its source one byte at a time and only when it needs the next bit, so a
//!   stream is never read past what the output asked for; output comes one symbol at a time;
//!   back-references may reach as far as the window (`1 << wbits`, the header's when it is
//!   smaller) and no farther; the zlib/gzip trailer is checked as the last block ends;
//! - compression is LZ77 over a window of `1 << wbits` bytes, searched from the oldest byte to
//!   the newest for the longest match (a later one of equal length wins), looking ahead only in
//!   the data of the current write, coded with the fixed Huffman codes in one final block.
//!
//! The DEFLATE format itself is RFC 1951's; zlib's is RFC 1950, gzip's RFC 1952.

/// Why a decompression stopped.
#[derive(Debug)]
pub enum InflateError<E> {
    /// The compressed data (or its header or trailer) is not valid: the firmware's EINVAL.
    Data,
    /// Reading the source failed.
    Source(E),
}

impl<E> From<E> for InflateError<E> {
    fn from(e: E) -> Self {
        InflateError::Source(e)
    }
}

/// What the stream holds: the `deflate` module's `RAW`, `ZLIB`, `GZIP`, or `AUTO` (zlib or gzip).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Auto,
    Raw,
    Zlib,
    Gzip,
}

impl Format {
    pub fn from_code(code: i64) -> Option<Format> {
        match code {
            0 => Some(Format::Auto),
            1 => Some(Format::Raw),
            2 => Some(Format::Zlib),
            3 => Some(Format::Gzip),
            _ => None,
        }
    }
}

/// The window the firmware uses when none is given.
pub const DEFAULT_WBITS: u32 = 8;

const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// The order code-length code lengths come in (RFC 1951, 3.2.7).
const CL_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// A canonical Huffman code: how many codes each length has, and the symbols in code order.
#[derive(Clone, Default)]
struct Huffman {
    counts: [u16; 16],
    symbols: Vec<u16>,
}

impl Huffman {
    fn new(lengths: &[u8]) -> Huffman {
        let mut h = Huffman::default();
        for &l in lengths {
            h.counts[usize::from(l)] += 1;
        }
        h.counts[0] = 0;
        let mut offs = [0u16; 16];
        for len in 1..16 {
            offs[len] = offs[len - 1] + h.counts[len - 1];
        }
        h.symbols = vec![0; lengths.len()];
        for (sym, &l) in lengths.iter().enumerate() {
            if l != 0 {
                let slot = &mut offs[usize::from(l)];
                h.symbols[usize::from(*slot)] = u16::try_from(sym).unwrap_or(0);
                *slot += 1;
            }
        }
        h
    }
}

fn adler32(data: &[u8], mut sum: u32) -> u32 {
    let (mut a, mut b) = (sum & 0xffff, sum >> 16);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    sum = (b << 16) | a;
    sum
}

fn crc32(data: &[u8], mut crc: u32) -> u32 {
    for &x in data {
        crc ^= u32::from(x);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    crc
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    None,
    Adler,
    Crc,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Header,
    Blocks,
    Done,
}

/// A decompression in progress.
pub struct Inflate {
    format: Format,
    wbits: u32,
    phase: Phase,
    window: Vec<u8>,
    widx: usize,
    tag: u8,
    bitcount: u8,
    bfinal: bool,
    /// The current block's type; None before its header.
    btype: Option<u8>,
    /// Bytes left of the current match or stored block.
    curlen: u32,
    lz_off: usize,
    lit: Huffman,
    dist: Huffman,
    check: Check,
    sum: u32,
}

/// One step of a block: a byte made, the block's end, or nothing made yet.
enum Step {
    Byte(u8),
    End,
}

impl Inflate {
    /// A decompression of `format` with a window of `1 << wbits` bytes (0: the header's, or the
    /// default for raw data).
    pub fn new(format: Format, wbits: u32) -> Inflate {
        Inflate {
            format,
            wbits,
            phase: Phase::Header,
            window: Vec::new(),
            widx: 0,
            tag: 0,
            bitcount: 0,
            bfinal: false,
            btype: None,
            curlen: 0,
            lz_off: 0,
            lit: Huffman::default(),
            dist: Huffman::default(),
            check: Check::None,
            sum: 0,
        }
    }

    /// Whether the end of the data (and its trailer) has been read.
    pub fn finished(&self) -> bool {
        self.phase == Phase::Done
    }

    fn bit<E>(&mut self, src: &mut impl FnMut() -> Result<u8, E>) -> Result<u32, E> {
        if self.bitcount == 0 {
            self.tag = src()?;
            self.bitcount = 8;
        }
        let b = u32::from(self.tag & 1);
        self.tag >>= 1;
        self.bitcount -= 1;
        Ok(b)
    }

    fn bits<E>(&mut self, n: u8, src: &mut impl FnMut() -> Result<u8, E>) -> Result<u32, E> {
        let mut v = 0;
        for i in 0..n {
            v |= self.bit(src)? << i;
        }
        Ok(v)
    }

    fn symbol<E>(
        &mut self,
        lit: bool,
        src: &mut impl FnMut() -> Result<u8, E>,
    ) -> Result<usize, InflateError<E>> {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code |= i32::try_from(self.bit(src)?).unwrap_or(0);
            let h = if lit { &self.lit } else { &self.dist };
            let count = i32::from(h.counts[len]);
            if code - first < count {
                let at = usize::try_from(index + code - first).map_err(|_| InflateError::Data)?;
                return h
                    .symbols
                    .get(at)
                    .map(|&s| usize::from(s))
                    .ok_or(InflateError::Data);
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        Err(InflateError::Data)
    }

    fn header<E>(
        &mut self,
        src: &mut impl FnMut() -> Result<u8, E>,
    ) -> Result<(), InflateError<E>> {
        let mut wbits = self.wbits;
        if self.format == Format::Raw {
            if wbits == 0 {
                wbits = DEFAULT_WBITS;
            }
        } else {
            let cmf = src()?;
            let flg = src()?;
            let header_wbits = if cmf == 0x1f && flg == 0x8b {
                if self.format == Format::Zlib || src()? != 8 {
                    return Err(InflateError::Data);
                }
                let flags = src()?;
                if flags & 0xe0 != 0 {
                    return Err(InflateError::Data);
                }
                for _ in 0..6 {
                    src()?;
                }
                if flags & 4 != 0 {
                    let xlen = u16::from(src()?) | (u16::from(src()?) << 8);
                    for _ in 0..xlen {
                        src()?;
                    }
                }
                for flag in [8, 16] {
                    if flags & flag != 0 {
                        while src()? != 0 {}
                    }
                }
                if flags & 2 != 0 {
                    src()?;
                    src()?;
                }
                self.check = Check::Crc;
                self.sum = !0;
                15
            } else {
                let ok = (256 * u32::from(cmf) + u32::from(flg)) % 31 == 0
                    && cmf & 0x0f == 8
                    && cmf >> 4 <= 7
                    && flg & 0x20 == 0
                    && self.format != Format::Gzip;
                if !ok {
                    return Err(InflateError::Data);
                }
                self.check = Check::Adler;
                self.sum = 1;
                u32::from(cmf >> 4) + 8
            };
            if wbits == 0 || header_wbits < wbits {
                wbits = header_wbits;
            }
        }
        self.window = vec![0; 1 << wbits];
        self.phase = Phase::Blocks;
        Ok(())
    }

    fn block_header<E>(
        &mut self,
        src: &mut impl FnMut() -> Result<u8, E>,
    ) -> Result<(), InflateError<E>> {
        self.bfinal = self.bit(src)? == 1;
        let btype = u8::try_from(self.bits(2, src)?).unwrap_or(3);
        self.btype = Some(btype);
        match btype {
            1 => {
                let mut lengths = [0u8; 288];
                for (i, l) in lengths.iter_mut().enumerate() {
                    *l = match i {
                        0..=143 => 8,
                        144..=255 => 9,
                        256..=279 => 7,
                        _ => 8,
                    };
                }
                self.lit = Huffman::new(&lengths);
                self.dist = Huffman::new(&[5; 30]);
            }
            2 => self.dynamic_trees(src)?,
            _ => {}
        }
        Ok(())
    }

    fn dynamic_trees<E>(
        &mut self,
        src: &mut impl FnMut() -> Result<u8, E>,
    ) -> Result<(), InflateError<E>> {
        let hlit = usize::try_from(self.bits(5, src)?).unwrap_or(0) + 257;
        let hdist = usize::try_from(self.bits(5, src)?).unwrap_or(0) + 1;
        let hclen = usize::try_from(self.bits(4, src)?).unwrap_or(0) + 4;
        if hlit > 286 || hdist > 30 {
            return Err(InflateError::Data);
        }
        let mut cl = [0u8; 19];
        for &i in CL_ORDER.iter().take(hclen) {
            cl[i] = u8::try_from(self.bits(3, src)?).unwrap_or(0);
        }
        self.lit = Huffman::new(&cl);
        let mut lengths = vec![0u8; hlit + hdist];
        let mut n = 0;
        while n < lengths.len() {
            let sym = self.symbol(true, src)?;
            let (value, repeat) = match sym {
                0..=15 => (u8::try_from(sym).unwrap_or(0), 1),
                16 => {
                    let prev = *lengths.get(n.wrapping_sub(1)).ok_or(InflateError::Data)?;
                    (prev, 3 + self.bits(2, src)?)
                }
                17 => (0, 3 + self.bits(3, src)?),
                _ => (0, 11 + self.bits(7, src)?),
            };
            for _ in 0..repeat {
                *lengths.get_mut(n).ok_or(InflateError::Data)? = value;
                n += 1;
            }
        }
        self.lit = Huffman::new(&lengths[..hlit]);
        self.dist = Huffman::new(&lengths[hlit..]);
        Ok(())
    }

    fn put(&mut self, c: u8) -> Step {
        self.window[self.widx] = c;
        self.widx = (self.widx + 1) % self.window.len();
        Step::Byte(c)
    }

    fn step<E>(
        &mut self,
        src: &mut impl FnMut() -> Result<u8, E>,
    ) -> Result<Step, InflateError<E>> {
        match self.btype {
            Some(0) => {
                if self.curlen == 0 {
                    let len = u16::from(src()?) | (u16::from(src()?) << 8);
                    let inv = u16::from(src()?) | (u16::from(src()?) << 8);
                    if len != !inv {
                        return Err(InflateError::Data);
                    }
                    self.curlen = u32::from(len) + 1;
                    self.bitcount = 0;
                }
                self.curlen -= 1;
                if self.curlen == 0 {
                    return Ok(Step::End);
                }
                let c = src()?;
                Ok(self.put(c))
            }
            Some(1 | 2) => {
                if self.curlen == 0 {
                    let sym = self.symbol(true, src)?;
                    if sym < 256 {
                        return Ok(self.put(u8::try_from(sym).unwrap_or(0)));
                    }
                    if sym == 256 {
                        return Ok(Step::End);
                    }
                    let sym = sym - 257;
                    if sym >= 29 {
                        return Err(InflateError::Data);
                    }
                    self.curlen = self.bits(LENGTH_EXTRA[sym], src)? + u32::from(LENGTH_BASE[sym]);
                    let d = self.symbol(false, src)?;
                    if d >= 30 {
                        return Err(InflateError::Data);
                    }
                    let offs = usize::try_from(self.bits(DIST_EXTRA[d], src)?).unwrap_or(0)
                        + usize::from(DIST_BASE[d]);
                    let size = self.window.len();
                    if offs > size {
                        return Err(InflateError::Data);
                    }
                    self.lz_off = (self.widx + size - offs) % size;
                }
                let c = self.window[self.lz_off];
                self.lz_off = (self.lz_off + 1) % self.window.len();
                self.curlen -= 1;
                Ok(self.put(c))
            }
            _ => Err(InflateError::Data),
        }
    }

    /// Decompresses up to `limit` more bytes (at least one step is taken, as the firmware's
    /// does), pulling source bytes from `src` as they are needed. Empty once finished.
    pub fn read<E>(
        &mut self,
        limit: usize,
        src: &mut impl FnMut() -> Result<u8, E>,
    ) -> Result<Vec<u8>, InflateError<E>> {
        if self.phase == Phase::Header {
            self.header(src)?;
        }
        let mut out = Vec::new();
        if self.phase == Phase::Done {
            return Ok(out);
        }
        let mut done = false;
        loop {
            if self.btype.is_none() {
                self.block_header(src)?;
            }
            let mut step = self.step(src)?;
            while matches!(step, Step::End) && !self.bfinal {
                self.block_header(src)?;
                step = self.step(src)?;
            }
            match step {
                Step::Byte(c) => out.push(c),
                Step::End => {
                    done = true;
                    break;
                }
            }
            if out.len() >= limit {
                break;
            }
        }
        match self.check {
            Check::Adler => self.sum = adler32(&out, self.sum),
            Check::Crc => self.sum = crc32(&out, self.sum),
            Check::None => {}
        }
        if done {
            self.phase = Phase::Done;
            let mut word = || -> Result<u32, InflateError<E>> {
                Ok(u32::from_le_bytes([src()?, src()?, src()?, src()?]))
            };
            match self.check {
                Check::Adler => {
                    if word()?.swap_bytes() != self.sum {
                        return Err(InflateError::Data);
                    }
                }
                Check::Crc => {
                    if word()? != !self.sum {
                        return Err(InflateError::Data);
                    }
                    word()?;
                }
                Check::None => {}
            }
        }
        Ok(out)
    }
}

/// A compression in progress (one final block with the fixed Huffman codes).
pub struct Deflate {
    format: Format,
    hist: Vec<u8>,
    hist_start: usize,
    hist_len: usize,
    outbits: u32,
    noutbits: u32,
    sum: u32,
    len: u32,
}

impl Deflate {
    /// A compression of `format` (`Auto` writes raw data) with a window of `1 << wbits` bytes
    /// (0: the default). Returns the header to write and the block's first bits.
    pub fn new(format: Format, wbits: u32) -> (Deflate, Vec<u8>) {
        let wbits = if wbits == 0 { DEFAULT_WBITS } else { wbits };
        let header = match format {
            Format::Zlib => {
                let cmf = 0x08 | (u8::try_from(wbits.saturating_sub(8).max(1)).unwrap_or(7) << 4);
                let flg = 0x80u8;
                let fcheck = 31 - ((u32::from(cmf) * 256 + u32::from(flg)) % 31);
                vec![cmf, flg | u8::try_from(fcheck).unwrap_or(0)]
            }
            Format::Gzip => vec![0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0x04, 0x03],
            _ => Vec::new(),
        };
        let sum = match format {
            Format::Zlib => 1,
            Format::Gzip => !0,
            _ => 0,
        };
        let d = Deflate {
            format,
            hist: vec![0; 1 << wbits],
            hist_start: 0,
            hist_len: 0,
            outbits: 0,
            noutbits: 0,
            sum,
            len: 0,
        };
        (d, header)
    }

    /// The block's header bits (final, fixed codes): none make a byte yet.
    pub fn start(&mut self) {
        self.put_bits(3, 3, &mut Vec::new());
    }

    fn put_bits(&mut self, bits: u32, n: u32, out: &mut Vec<u8>) {
        self.outbits |= bits << self.noutbits;
        self.noutbits += n;
        while self.noutbits >= 8 {
            out.push((self.outbits & 0xff) as u8);
            self.outbits >>= 8;
            self.noutbits -= 8;
        }
    }

    /// `code` of `n` bits, most significant first as Huffman codes are sent.
    fn put_code(&mut self, code: u32, n: u32, out: &mut Vec<u8>) {
        let rev = code.reverse_bits() >> (32 - n);
        self.put_bits(rev, n, out);
    }

    fn literal(&mut self, c: u8, out: &mut Vec<u8>) {
        let c = u32::from(c);
        if c <= 143 {
            self.put_code(0x30 + c, 8, out);
        } else {
            self.put_code(0x190 + c - 144, 9, out);
        }
    }

    fn length_distance(&mut self, mut len: usize, distance: usize, out: &mut Vec<u8>) {
        while len > 0 {
            // 258 at most per code; 259 and 260 are sent as len-3 and 3.
            let this = if len > 260 {
                258
            } else if len <= 258 {
                len
            } else {
                len - 3
            };
            len -= this;
            let i = LENGTH_BASE
                .iter()
                .rposition(|&b| usize::from(b) <= this)
                .unwrap_or(0);
            let code = 257 + u32::try_from(i).unwrap_or(0);
            if code <= 279 {
                self.put_code(code - 256, 7, out);
            } else {
                self.put_code(0xc0 + code - 280, 8, out);
            }
            let extra = u32::from(LENGTH_EXTRA[i]);
            self.put_bits(
                u32::try_from(this - usize::from(LENGTH_BASE[i])).unwrap_or(0),
                extra,
                out,
            );
            let j = DIST_BASE
                .iter()
                .rposition(|&b| usize::from(b) <= distance)
                .unwrap_or(0);
            self.put_code(u32::try_from(j).unwrap_or(0), 5, out);
            self.put_bits(
                u32::try_from(distance - usize::from(DIST_BASE[j])).unwrap_or(0),
                u32::from(DIST_EXTRA[j]),
                out,
            );
        }
    }

    /// The longest match of `src` in the history (and on into `src`), a later one of equal
    /// length winning: (length, distance), length 0 for none of at least 3.
    fn longest_match(&self, src: &[u8]) -> (usize, usize) {
        let mask = self.hist.len() - 1;
        let (mut best, mut dist) = (0, 0);
        for start in 0..self.hist_len {
            let mut n = 0;
            while n <= 258 && n < src.len() {
                let h = if start + n < self.hist_len {
                    self.hist[(self.hist_start + start + n) & mask]
                } else {
                    src[start + n - self.hist_len]
                };
                if src[n] != h {
                    break;
                }
                n += 1;
            }
            if n >= 3 && n >= best {
                best = n;
                dist = self.hist_len - start;
            }
        }
        (best, dist)
    }

    /// Compresses `data` (one write); returns the bytes completed.
    pub fn write(&mut self, data: &[u8]) -> Vec<u8> {
        match self.format {
            Format::Zlib => self.sum = adler32(data, self.sum),
            Format::Gzip => self.sum = crc32(data, self.sum),
            _ => {}
        }
        self.len = self
            .len
            .wrapping_add(u32::try_from(data.len()).unwrap_or(u32::MAX));
        let mut out = Vec::new();
        let mut at = 0;
        let mask = self.hist.len() - 1;
        while at < data.len() {
            let (mut n, dist) = self.longest_match(&data[at..]);
            if n == 0 {
                self.literal(data[at], &mut out);
                n = 1;
            } else {
                self.length_distance(n, dist, &mut out);
            }
            for &b in &data[at..at + n] {
                self.hist[(self.hist_start + self.hist_len) & mask] = b;
                if self.hist_len == self.hist.len() {
                    self.hist_start = (self.hist_start + 1) & mask;
                } else {
                    self.hist_len += 1;
                }
            }
            at += n;
        }
        out
    }

    /// Ends the block: its last bytes, then the trailer (zlib's Adler-32, gzip's CRC-32 and
    /// length), separately.
    pub fn finish(&mut self) -> (Vec<u8>, Vec<u8>) {
        let mut out = Vec::new();
        self.put_bits(0, 14, &mut out);
        let trailer = match self.format {
            Format::Zlib => self.sum.to_be_bytes().to_vec(),
            Format::Gzip => {
                let mut t = (!self.sum).to_le_bytes().to_vec();
                t.extend_from_slice(&self.len.to_le_bytes());
                t
            }
            _ => Vec::new(),
        };
        (out, trailer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compress(data: &[u8], format: Format, wbits: u32) -> Vec<u8> {
        let (mut d, mut out) = Deflate::new(format, wbits);
        d.start();
        out.extend(d.write(data));
        let (last, trailer) = d.finish();
        out.extend(last);
        out.extend(trailer);
        out
    }

    fn inflate(data: &[u8], format: Format, wbits: u32) -> Result<Vec<u8>, InflateError<()>> {
        let mut it = data.iter().copied();
        let mut src = || it.next().ok_or(());
        let mut inf = Inflate::new(format, wbits);
        let mut out = Vec::new();
        while !inf.finished() {
            out.extend(inf.read(256, &mut src)?);
        }
        Ok(out)
    }

    #[test]
    fn fixed_codes_and_matches_as_the_firmware_writes_them() {
        assert_eq!(compress(b"0", Format::Raw, 0), b"3\x00\x00");
        assert_eq!(compress(&[b'0'; 100], Format::Raw, 0), b"3\xa0\x03\x00\x00");
        assert_eq!(
            compress(b"hello", Format::Raw, 0),
            b"\xcbH\xcd\xc9\xc9\x07\x00"
        );
        assert_eq!(
            compress(b"hello", Format::Zlib, 9),
            b"\x18\x95\xcbH\xcd\xc9\xc9\x07\x00\x06,\x02\x15"
        );
    }

    #[test]
    fn round_trips_and_refuses_what_is_out_of_its_window() {
        let data: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
        for format in [Format::Raw, Format::Zlib, Format::Gzip] {
            let packed = compress(&data, format, 10);
            let fmt = if format == Format::Raw {
                Format::Raw
            } else {
                Format::Auto
            };
            assert_eq!(inflate(&packed, fmt, 10).ok(), Some(data.clone()));
        }
        let packed = compress(&data, Format::Raw, 10);
        assert!(matches!(
            inflate(&packed, Format::Raw, 5),
            Err(InflateError::Data)
        ));
        let mut bad = compress(&data, Format::Zlib, 10);
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(matches!(
            inflate(&bad, Format::Zlib, 0),
            Err(InflateError::Data)
        ));
    }
}

pub(crate) use _mpsim_deflate::module_def;

/// The engine for `deflate.py`: one object per direction, fed through the script's stream.
#[rustpython_vm::pymodule]
mod _mpsim_deflate {
    use super::{Deflate, Format, Inflate, InflateError};
    use crate::errors::os_error;
    use rustpython_vm::builtins::{PyBaseExceptionRef, PyByteArray, PyBytes, PyBytesRef};
    use rustpython_vm::common::lock::PyMutex;
    use rustpython_vm::function::ArgBytesLike;
    use rustpython_vm::{
        PyObjectRef, PyPayload, PyRef, PyResult, TryFromObject, VirtualMachine, pyclass,
    };

    #[pyattr]
    #[pyclass(name = "Inflater")]
    #[derive(PyPayload)]
    struct Inflater {
        inner: PyMutex<Inflate>,
    }

    impl std::fmt::Debug for Inflater {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Inflater")
        }
    }

    #[pyclass]
    impl Inflater {}

    #[pyattr]
    #[pyclass(name = "Compressor")]
    #[derive(PyPayload)]
    struct Compressor {
        inner: PyMutex<Deflate>,
    }

    impl std::fmt::Debug for Compressor {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Compressor")
        }
    }

    #[pyclass]
    impl Compressor {}

    fn format(code: i64, vm: &VirtualMachine) -> PyResult<Format> {
        Format::from_code(code).ok_or_else(|| vm.new_value_error("format"))
    }

    /// A decompression of `format` (0 AUTO, 1 RAW, 2 ZLIB, 3 GZIP) with window bits `wbits`.
    #[pyfunction]
    fn inflater(format_code: i64, wbits: u32, vm: &VirtualMachine) -> PyResult<Inflater> {
        crate::memguard::fits(1u128 << wbits.clamp(super::DEFAULT_WBITS, 15), vm)?;
        Ok(Inflater {
            inner: PyMutex::new(Inflate::new(format(format_code, vm)?, wbits)),
        })
    }

    /// One byte of `stream`, read as the firmware reads a stream (`readinto` a one-byte buffer):
    /// its end is EOFError, a negative count the OSError of that errno.
    fn read_byte(stream: &PyObjectRef, vm: &VirtualMachine) -> PyResult<u8> {
        let buf = PyByteArray::from(vec![0u8]).into_ref(&vm.ctx);
        let n = if vm.get_attribute_opt(stream, "readinto")?.is_some() {
            let r = vm.call_method(stream, "readinto", (buf.clone(),))?;
            if vm.is_none(&r) {
                return Err(os_error(vm, 11));
            }
            r.try_into_value::<i64>(vm)?
        } else {
            let r = vm.call_method(stream, "read", (1,))?;
            if vm.is_none(&r) {
                return Err(os_error(vm, 11));
            }
            let b = ArgBytesLike::try_from_object(vm, r)?;
            let b = b.borrow_buf();
            if let Some(&c) = b.first() {
                buf.borrow_buf_mut()[0] = c;
            }
            i64::try_from(b.len()).unwrap_or(0)
        };
        if n < 0 {
            return Err(os_error(vm, i32::try_from(-n).unwrap_or(i32::MAX)));
        }
        if n == 0 {
            return Err(vm.new_exception_empty(vm.ctx.exceptions.eof_error.to_owned()));
        }
        Ok(buf.borrow_buf()[0])
    }

    /// Decompresses up to `n` more bytes from `stream` (b"" at the end). Invalid data is
    /// OSError(EINVAL), as on the firmware.
    #[pyfunction]
    fn inflate(
        inf: PyRef<Inflater>,
        stream: PyObjectRef,
        n: usize,
        vm: &VirtualMachine,
    ) -> PyResult<PyBytesRef> {
        let mut inner = inf.inner.lock();
        let mut src = || read_byte(&stream, vm);
        match inner.read::<PyBaseExceptionRef>(n.max(1), &mut src) {
            Ok(out) => Ok(PyBytes::from(out).into_ref(&vm.ctx)),
            Err(InflateError::Data) => Err(os_error(vm, 22)),
            Err(InflateError::Source(e)) => Err(e),
        }
    }

    /// Whether a decompression has read the end of its data.
    #[pyfunction]
    fn inflate_done(inf: PyRef<Inflater>) -> bool {
        inf.inner.lock().finished()
    }

    /// A compression of `format` with window bits `wbits`: (compressor, header bytes).
    #[pyfunction]
    fn compressor(
        format_code: i64,
        wbits: u32,
        vm: &VirtualMachine,
    ) -> PyResult<(Compressor, PyBytesRef)> {
        let format = format(format_code, vm)?;
        // The window is one block of the board's heap: refused before it is made.
        let w = if wbits == 0 {
            super::DEFAULT_WBITS
        } else {
            wbits
        };
        crate::memguard::fits(1u128 << w.min(15), vm)?;
        let (mut d, header) = Deflate::new(format, wbits);
        d.start();
        Ok((
            Compressor {
                inner: PyMutex::new(d),
            },
            PyBytes::from(header).into_ref(&vm.ctx),
        ))
    }

    /// Compresses one write's data; returns the bytes completed.
    #[pyfunction]
    fn compress(c: PyRef<Compressor>, data: ArgBytesLike, vm: &VirtualMachine) -> PyBytesRef {
        let out = c.inner.lock().write(&data.borrow_buf());
        PyBytes::from(out).into_ref(&vm.ctx)
    }

    /// Ends the compression: (the block's last bytes, the trailer).
    #[pyfunction]
    fn compress_end(c: PyRef<Compressor>, vm: &VirtualMachine) -> (PyBytesRef, PyBytesRef) {
        let (last, trailer) = c.inner.lock().finish();
        (
            PyBytes::from(last).into_ref(&vm.ctx),
            PyBytes::from(trailer).into_ref(&vm.ctx),
        )
    }
}
