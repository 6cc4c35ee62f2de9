//! The built-in SVG renderer, for machines without Graphviz: a layered layout of its own
//! (or the Studio canvas offsets with `--layout studio`) and an SVG writer that draws what
//! the Graphviz SVG shows — the title, every widget with its tooltip and finding numbers,
//! the markers for ends and missing states, the legend and the findings table. It is
//! deterministic (no hash maps, no clocks, fixed number formatting) and never panics.

use std::fmt::Write;

use super::dot::{self, Layout};
use super::{Diagram, LEGEND, MESSAGE_WIDTH, Status, colors, severity_colors, wrap};
use crate::catalog::Category;
use crate::rule::Severity;

/// The diagram as SVG, laid out here.
pub fn render(diagram: &Diagram, layout: Layout) -> String {
    let shapes = shapes(diagram);
    let links = links(diagram);
    let studio = match layout {
        Layout::Studio => diagram.studio_layout(),
        Layout::Auto => None,
    };
    let centers = match studio {
        Some(studio) => studio
            .states
            .iter()
            .chain(&studio.drops)
            .chain(&studio.missing)
            .copied()
            .collect(),
        None => {
            let sizes: Vec<(f64, f64)> = shapes.iter().map(|s| (s.w, s.h)).collect();
            let pairs: Vec<(usize, usize)> = links.iter().map(|l| (l.from, l.to)).collect();
            layered(&sizes, &pairs)
        }
    };
    Canvas::draw(diagram, &shapes, &links, &centers)
}

const FONT: &str = "Helvetica,Arial,sans-serif";
/// About how wide a character is, per point of font size (Helvetica's average).
const CHAR_WIDTH: f64 = 0.53;
const MARGIN: f64 = 12.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Box,
    Oval,
    Hexagon,
    Octagon,
}

#[derive(Debug, Clone)]
struct Line {
    text: String,
    size: f64,
    bold: bool,
}

/// A node to draw: a state, an end marker or a missing state.
#[derive(Debug, Clone)]
struct Shape {
    /// The node's id, as in the DOT output (`s3`, `end0`, `missing1`).
    id: String,
    lines: Vec<Line>,
    form: Form,
    stroke: &'static str,
    fill: &'static str,
    text: &'static str,
    stroke_width: f64,
    dashed: bool,
    tooltip: String,
    w: f64,
    h: f64,
}

impl Shape {
    fn sized(mut self) -> Shape {
        let widest = self
            .lines
            .iter()
            .map(|l| text_width(&l.text, l.size))
            .fold(0.0, f64::max);
        let tall: f64 = self.lines.iter().map(|l| l.size + 3.0).sum();
        let pad = match self.form {
            Form::Box => 20.0,
            Form::Oval | Form::Hexagon => 40.0,
            Form::Octagon => 16.0,
        };
        self.w = (widest + pad).max(if self.form == Form::Octagon {
            34.0
        } else {
            70.0
        });
        self.h = tall + 12.0;
        self
    }
}

/// An edge to draw.
#[derive(Debug, Clone)]
struct Link {
    from: usize,
    to: usize,
    label: String,
    color: &'static str,
    label_color: &'static str,
    width: f64,
    dash: Option<&'static str>,
}

fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * CHAR_WIDTH
}

fn line(text: &str, size: f64, bold: bool) -> Line {
    Line {
        text: text.to_string(),
        size,
        bold,
    }
}

/// States, then ends, then missing states: the order of the centres.
fn shapes(diagram: &Diagram) -> Vec<Shape> {
    let mut shapes = Vec::new();
    for (i, node) in diagram.nodes.iter().enumerate() {
        let (_, fill) = dot::look(node.category);
        let form = match node.category {
            Some(Category::Trigger) => Form::Oval,
            Some(Category::Logic) => Form::Hexagon,
            _ => Form::Box,
        };
        let (stroke, width, fill, text) = match node.status {
            Status::Clean => (colors::CLEAN, 1.0, fill, "#000000"),
            Status::Warning => (colors::WARNING, 2.5, fill, "#000000"),
            Status::Error => (colors::ERROR, 2.5, fill, "#000000"),
            Status::Unreachable => (
                colors::UNREACHABLE,
                1.0,
                colors::UNREACHABLE_FILL,
                colors::UNREACHABLE_TEXT,
            ),
        };
        let mut lines = vec![line(&node.name, 11.0, true), line(&node.kind, 10.0, false)];
        lines.extend(
            Diagram::node_numbers(node)
                .iter()
                .map(|n| line(n, 10.0, true)),
        );
        shapes.push(
            Shape {
                id: format!("s{i}"),
                lines,
                form,
                stroke,
                fill,
                text,
                stroke_width: width,
                dashed: node.status == Status::Unreachable,
                tooltip: dot::tooltip(node),
                w: 0.0,
                h: 0.0,
            }
            .sized(),
        );
    }
    for (k, drop) in diagram.drops.iter().enumerate() {
        let (stroke, fill) = severity_colors(Some(drop.severity));
        shapes.push(
            Shape {
                id: format!("end{k}"),
                lines: vec![line("end", 8.0, false)],
                form: Form::Octagon,
                stroke,
                fill,
                text: "#000000",
                stroke_width: 1.0,
                dashed: false,
                tooltip: format!("`{}` is not connected: the flow ends here", drop.event),
                w: 0.0,
                h: 0.0,
            }
            .sized(),
        );
    }
    for (k, missing) in diagram.missing.iter().enumerate() {
        let (stroke, fill) = severity_colors(missing.severity);
        shapes.push(
            Shape {
                id: format!("missing{k}"),
                lines: vec![
                    line(&missing.name, 9.0, false),
                    line("no such state", 9.0, false),
                ],
                form: Form::Box,
                stroke,
                fill,
                text: stroke,
                stroke_width: 1.0,
                dashed: true,
                tooltip: format!("no state is named `{}`", missing.name),
                w: 0.0,
                h: 0.0,
            }
            .sized(),
        );
    }
    shapes
}

fn links(diagram: &Diagram) -> Vec<Link> {
    let states = diagram.nodes.len();
    let mut links = Vec::new();
    for edge in &diagram.edges {
        let (color, width, dash, label_color) = if edge.in_loop {
            (colors::LOOP, 3.0, None, "#000000")
        } else if edge.never_fires {
            (colors::NEVER, 1.0, Some("2,3"), colors::UNREACHABLE_TEXT)
        } else {
            (colors::EDGE, 1.0, None, "#000000")
        };
        links.push(Link {
            from: edge.from,
            to: edge.to,
            label: Diagram::edge_text(edge),
            color,
            label_color,
            width,
            dash,
        });
    }
    for (k, drop) in diagram.drops.iter().enumerate() {
        let (color, _) = severity_colors(Some(drop.severity));
        links.push(Link {
            from: drop.from,
            to: states + k,
            label: format!("{}{}", drop.event, Diagram::numbers(&drop.findings)),
            color,
            label_color: color,
            width: 1.0,
            dash: Some("5,3"),
        });
    }
    for dangling in &diagram.dangling {
        let (color, _) = severity_colors(dangling.severity);
        links.push(Link {
            from: dangling.from,
            to: states + diagram.drops.len() + dangling.to,
            label: format!("{}{}", dangling.label, Diagram::numbers(&dangling.findings)),
            color,
            label_color: color,
            width: 1.0,
            dash: None,
        });
    }
    links
}

/// A layered (Sugiyama-style) layout: cycles broken by a depth-first search, longest-path
/// ranks, a few barycentre sweeps against crossings, then x positions pulled towards the
/// neighbours. Returns the centre of every node; y grows downwards.
fn layered(sizes: &[(f64, f64)], edges: &[(usize, usize)]) -> Vec<(f64, f64)> {
    let n = sizes.len();
    let mut succ = vec![Vec::new(); n];
    let mut indegree = vec![0usize; n];
    for &(u, v) in edges {
        if u != v && u < n && v < n {
            succ[u].push(v);
            indegree[v] += 1;
        }
    }
    // Depth-first, from the nodes nothing leads to: back edges are turned around.
    let mut seen = vec![0u8; n];
    let mut preorder = vec![0usize; n];
    let mut next = 0;
    let mut dag = vec![Vec::new(); n];
    let roots: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).chain(0..n).collect();
    for root in roots {
        if seen[root] != 0 {
            continue;
        }
        seen[root] = 1;
        preorder[root] = next;
        next += 1;
        let mut stack = vec![(root, 0usize)];
        while let Some(top) = stack.last_mut() {
            let u = top.0;
            let Some(&v) = succ[u].get(top.1) else {
                seen[u] = 2;
                stack.pop();
                continue;
            };
            top.1 += 1;
            match seen[v] {
                0 => {
                    dag[u].push(v);
                    seen[v] = 1;
                    preorder[v] = next;
                    next += 1;
                    stack.push((v, 0));
                }
                1 => dag[v].push(u),
                _ => dag[u].push(v),
            }
        }
    }
    // Longest-path ranks over the acyclic graph.
    let mut incoming = vec![0usize; n];
    for targets in &dag {
        for &v in targets {
            incoming[v] += 1;
        }
    }
    let mut rank = vec![0usize; n];
    let mut queue: std::collections::VecDeque<usize> =
        (0..n).filter(|&v| incoming[v] == 0).collect();
    while let Some(u) = queue.pop_front() {
        for &v in &dag[u] {
            rank[v] = rank[v].max(rank[u] + 1);
            incoming[v] -= 1;
            if incoming[v] == 0 {
                queue.push_back(v);
            }
        }
    }
    let mut up = vec![Vec::new(); n];
    for (u, targets) in dag.iter().enumerate() {
        for &v in targets {
            up[v].push(u);
        }
    }
    let ranks = rank.iter().max().map_or(0, |r| r + 1);
    let mut layers = vec![Vec::new(); ranks];
    for v in 0..n {
        layers[rank[v]].push(v);
    }
    for layer in &mut layers {
        layer.sort_by_key(|&v| preorder[v]);
    }
    // Barycentre sweeps, down then up; ties keep their order (stable sort).
    let mut place = vec![0.0f64; n];
    let number = |layers: &[Vec<usize>], place: &mut [f64]| {
        for layer in layers {
            for (i, &v) in layer.iter().enumerate() {
                place[v] = (i as f64 + 0.5) / layer.len() as f64;
            }
        }
    };
    number(&layers, &mut place);
    for sweep in 0..8 {
        let downwards = sweep % 2 == 0;
        let order: Vec<usize> = if downwards {
            (0..ranks).collect()
        } else {
            (0..ranks).rev().collect()
        };
        for r in order {
            let neighbours = |v: usize| if downwards { &up[v] } else { &dag[v] };
            let mut keyed: Vec<(f64, usize)> = layers[r]
                .iter()
                .map(|&v| {
                    let others = neighbours(v);
                    let key = if others.is_empty() {
                        place[v]
                    } else {
                        others.iter().map(|&u| place[u]).sum::<f64>() / others.len() as f64
                    };
                    (key, v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            layers[r] = keyed.into_iter().map(|(_, v)| v).collect();
            let len = layers[r].len() as f64;
            for (i, &v) in layers[r].iter().enumerate() {
                place[v] = (i as f64 + 0.5) / len;
            }
        }
    }
    // x: packed and centred, then pulled towards the neighbours above, then below.
    const GAP: f64 = 36.0;
    let mut x = vec![0.0f64; n];
    for layer in &layers {
        let total: f64 = layer.iter().map(|&v| sizes[v].0 + GAP).sum::<f64>() - GAP;
        let mut cursor = -total / 2.0;
        for &v in layer {
            x[v] = cursor + sizes[v].0 / 2.0;
            cursor += sizes[v].0 + GAP;
        }
    }
    for pass in 0..4 {
        let downwards = pass % 2 == 0;
        let order: Vec<usize> = if downwards {
            (0..ranks).collect()
        } else {
            (0..ranks).rev().collect()
        };
        for r in order {
            let layer = &layers[r];
            if layer.is_empty() {
                continue;
            }
            let desired: Vec<f64> = layer
                .iter()
                .map(|&v| {
                    let others = if downwards { &up[v] } else { &dag[v] };
                    if others.is_empty() {
                        x[v]
                    } else {
                        others.iter().map(|&u| x[u]).sum::<f64>() / others.len() as f64
                    }
                })
                .collect();
            let mut placed = desired.clone();
            for i in 1..layer.len() {
                let least = placed[i - 1] + (sizes[layer[i - 1]].0 + sizes[layer[i]].0) / 2.0 + GAP;
                placed[i] = placed[i].max(least);
            }
            let shift =
                desired.iter().zip(&placed).map(|(d, p)| d - p).sum::<f64>() / layer.len() as f64;
            for (i, &v) in layer.iter().enumerate() {
                x[v] = placed[i] + shift;
            }
        }
    }
    // y: one row per rank, tall enough for its tallest node, with room for edge labels.
    const RANK_GAP: f64 = 56.0;
    let mut y = vec![0.0f64; n];
    let mut top = 0.0;
    for layer in &layers {
        let tallest = layer.iter().map(|&v| sizes[v].1).fold(0.0, f64::max);
        for &v in layer {
            y[v] = top + tallest / 2.0;
        }
        top += tallest + RANK_GAP;
    }
    x.into_iter().zip(y).collect()
}

#[derive(Debug, Clone, Copy)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn left(&self) -> f64 {
        self.x - self.w / 2.0
    }
    fn right(&self) -> f64 {
        self.x + self.w / 2.0
    }
    fn top(&self) -> f64 {
        self.y - self.h / 2.0
    }
    fn bottom(&self) -> f64 {
        self.y + self.h / 2.0
    }
}

type Point = (f64, f64);

/// An edge's cubic Bézier (start, two controls, end) and where its label goes.
///
/// `sibling` numbers the edges that leave the same node, so that their labels stand at
/// different heights.
fn route(a: Rect, b: Rect, same: bool, parallel: usize, sibling: usize) -> ([Point; 4], Point) {
    let spread = parallel as f64 * 14.0;
    if same {
        let side = a.right() + 36.0 + spread;
        let p = [
            (a.right(), a.y - a.h / 4.0),
            (side, a.top() - 12.0),
            (side, a.bottom() + 12.0),
            (a.right(), a.y + a.h / 4.0),
        ];
        return (p, (side + 2.0, a.y));
    }
    let p = if b.top() >= a.bottom() {
        let dy = b.top() - a.bottom();
        [
            (a.x + spread, a.bottom()),
            (a.x + spread, a.bottom() + dy / 2.0),
            (b.x + spread, b.top() - dy / 2.0),
            (b.x + spread, b.top()),
        ]
    } else if b.bottom() <= a.top() {
        // Back to an earlier row: around the right-hand side.
        let side = a.right().max(b.right()) + 30.0 + spread;
        [(a.right(), a.y), (side, a.y), (side, b.y), (b.right(), b.y)]
    } else if b.x >= a.x {
        let dx = (b.left() - a.right()) / 2.0;
        [
            (a.right(), a.y + spread),
            (a.right() + dx, a.y + spread),
            (b.left() - dx, b.y + spread),
            (b.left(), b.y + spread),
        ]
    } else {
        let dx = (a.left() - b.right()) / 2.0;
        [
            (a.left(), a.y + spread),
            (a.left() - dx, a.y + spread),
            (b.right() + dx, b.y + spread),
            (b.right(), b.y + spread),
        ]
    };
    let mid = bezier(&p, [0.5, 0.3, 0.7][sibling % 3]);
    (p, (mid.0 + 4.0, mid.1))
}

fn bezier(p: &[Point; 4], t: f64) -> Point {
    let u = 1.0 - t;
    let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
    (
        a * p[0].0 + b * p[1].0 + c * p[2].0 + d * p[3].0,
        a * p[0].1 + b * p[1].1 + c * p[2].1 + d * p[3].1,
    )
}

/// The SVG being written, and the box it covers so far.
struct Canvas {
    body: String,
    min: Point,
    max: Point,
}

impl Canvas {
    fn draw(diagram: &Diagram, shapes: &[Shape], links: &[Link], centers: &[Point]) -> String {
        let mut canvas = Canvas {
            body: String::new(),
            min: (f64::INFINITY, f64::INFINITY),
            max: (f64::NEG_INFINITY, f64::NEG_INFINITY),
        };
        let rects: Vec<Rect> = shapes
            .iter()
            .zip(centers)
            .map(|(s, &(x, y))| Rect {
                x,
                y,
                w: s.w,
                h: s.h,
            })
            .collect();
        for (i, (shape, rect)) in shapes.iter().zip(&rects).enumerate() {
            canvas.node(i + 1, shape, *rect);
        }
        let mut drawn: Vec<(usize, usize)> = Vec::new();
        for (i, link) in links.iter().enumerate() {
            let parallel = drawn.iter().filter(|&&p| p == (link.from, link.to)).count();
            let sibling = drawn.iter().filter(|p| p.0 == link.from).count();
            drawn.push((link.from, link.to));
            let (Some(a), Some(b)) = (rects.get(link.from), rects.get(link.to)) else {
                continue;
            };
            let title = format!("{}->{}", shapes[link.from].id, shapes[link.to].id);
            canvas.edge(
                i + 1,
                &title,
                link,
                (*a, *b),
                link.from == link.to,
                (parallel, sibling),
            );
        }
        if rects.is_empty() {
            canvas.grow((0.0, 0.0));
        }
        // The legend and the findings table go under the flow, side by side.
        let mut group = shapes.len() + 1;
        if diagram.with_findings {
            let top = canvas.max.1 + 30.0;
            let left = canvas.min.0;
            let right = canvas.legend(group, (left, top));
            group += 1;
            if !diagram.findings.is_empty() {
                canvas.findings(group, diagram, (right + 30.0, top));
            }
        }
        canvas.finish(&diagram.title)
    }

    fn grow(&mut self, (x, y): Point) {
        self.min = (self.min.0.min(x), self.min.1.min(y));
        self.max = (self.max.0.max(x), self.max.1.max(y));
    }

    fn node(&mut self, number: usize, shape: &Shape, r: Rect) {
        self.grow((r.left(), r.top()));
        self.grow((r.right(), r.bottom()));
        let _ = write!(
            self.body,
            "<g id=\"node{number}\" class=\"node\">\n<title>{}</title>\n\
             <g id=\"a_node{number}\"><a xlink:title=\"{}\">\n",
            xml(&shape.id),
            xml(&shape.tooltip)
        );
        let dash = if shape.dashed {
            " stroke-dasharray=\"5,3\""
        } else {
            ""
        };
        let paint = format!(
            "fill=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{dash}",
            shape.fill,
            shape.stroke,
            num(shape.stroke_width)
        );
        match shape.form {
            Form::Box => {
                let _ = writeln!(
                    self.body,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" {paint}/>",
                    num(r.left()),
                    num(r.top()),
                    num(r.w),
                    num(r.h)
                );
            }
            Form::Oval => {
                let _ = writeln!(
                    self.body,
                    "<ellipse cx=\"{}\" cy=\"{}\" rx=\"{}\" ry=\"{}\" {paint}/>",
                    num(r.x),
                    num(r.y),
                    num(r.w / 2.0),
                    num(r.h / 2.0)
                );
            }
            Form::Hexagon | Form::Octagon => {
                let inset = if shape.form == Form::Hexagon {
                    r.h / 2.0
                } else {
                    r.h / 3.0
                }
                .min(r.w / 4.0);
                let points: Vec<Point> = if shape.form == Form::Hexagon {
                    vec![
                        (r.left() + inset, r.top()),
                        (r.right() - inset, r.top()),
                        (r.right(), r.y),
                        (r.right() - inset, r.bottom()),
                        (r.left() + inset, r.bottom()),
                        (r.left(), r.y),
                    ]
                } else {
                    let third = r.h / 3.0;
                    vec![
                        (r.left() + inset, r.top()),
                        (r.right() - inset, r.top()),
                        (r.right(), r.top() + third),
                        (r.right(), r.bottom() - third),
                        (r.right() - inset, r.bottom()),
                        (r.left() + inset, r.bottom()),
                        (r.left(), r.bottom() - third),
                        (r.left(), r.top() + third),
                    ]
                };
                let _ = writeln!(
                    self.body,
                    "<polygon points=\"{}\" {paint}/>",
                    points_text(&points)
                );
            }
        }
        let tall: f64 = shape.lines.iter().map(|l| l.size + 3.0).sum();
        let mut baseline = r.y - tall / 2.0;
        for l in &shape.lines {
            baseline += l.size + 3.0;
            let weight = if l.bold { " font-weight=\"bold\"" } else { "" };
            let _ = writeln!(
                self.body,
                "<text text-anchor=\"middle\" x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"{}\"{weight}>{}</text>",
                num(r.x),
                num(baseline - 3.0),
                num(l.size),
                shape.text,
                xml(&l.text)
            );
        }
        self.body.push_str("</a>\n</g>\n</g>\n");
    }

    fn edge(
        &mut self,
        number: usize,
        title: &str,
        link: &Link,
        (a, b): (Rect, Rect),
        same: bool,
        (parallel, sibling): (usize, usize),
    ) {
        let (p, label_at) = route(a, b, same, parallel, sibling);
        for point in &p {
            self.grow(*point);
        }
        let dash = link
            .dash
            .map(|d| format!(" stroke-dasharray=\"{d}\""))
            .unwrap_or_default();
        let _ = write!(
            self.body,
            "<g id=\"edge{number}\" class=\"edge\">\n<title>{}</title>\n\
             <path fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{dash} d=\"M{},{} C{},{} {},{} {},{}\"/>\n",
            xml(title),
            link.color,
            num(link.width),
            num(p[0].0),
            num(p[0].1),
            num(p[1].0),
            num(p[1].1),
            num(p[2].0),
            num(p[2].1),
            num(p[3].0),
            num(p[3].1),
        );
        // The arrowhead, along the last stretch of the curve.
        let from = if p[2] == p[3] { p[0] } else { p[2] };
        let (dx, dy) = (p[3].0 - from.0, p[3].1 - from.1);
        let length = (dx * dx + dy * dy).sqrt();
        let (ux, uy) = if length > 0.0 {
            (dx / length, dy / length)
        } else {
            (0.0, 1.0)
        };
        let head = [
            p[3],
            (p[3].0 - 9.0 * ux - 4.0 * uy, p[3].1 - 9.0 * uy + 4.0 * ux),
            (p[3].0 - 9.0 * ux + 4.0 * uy, p[3].1 - 9.0 * uy - 4.0 * ux),
        ];
        let _ = writeln!(
            self.body,
            "<polygon fill=\"{0}\" stroke=\"{0}\" points=\"{1}\"/>",
            link.color,
            points_text(&head)
        );
        if !link.label.is_empty() {
            self.grow((label_at.0 + text_width(&link.label, 9.0), label_at.1));
            let _ = writeln!(
                self.body,
                "<text x=\"{}\" y=\"{}\" font-size=\"9\" fill=\"{}\" stroke=\"#ffffff\" \
                 stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
                num(label_at.0),
                num(label_at.1 + 3.0),
                link.label_color,
                xml(&link.label)
            );
        }
        self.body.push_str("</g>\n");
    }

    /// A boxed table of text rows, each a list of cells at fixed column offsets; returns its
    /// right edge.
    fn table(
        &mut self,
        number: usize,
        id: &str,
        heading: &str,
        rows: &[Vec<(String, &'static str, bool)>],
        columns: &[f64],
        (left, top): Point,
    ) -> f64 {
        const LINE: f64 = 13.0;
        let width = columns.last().copied().unwrap_or(0.0) + 16.0;
        let height = (rows.len() + 1) as f64 * LINE + 12.0;
        self.grow((left, top));
        self.grow((left + width, top + height));
        let _ = writeln!(
            self.body,
            "<g id=\"node{number}\" class=\"node\">\n<title>{id}</title>\n\
             <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"#ffffff\" \
             stroke=\"{}\"/>\n<text x=\"{}\" y=\"{}\" font-size=\"9\" font-weight=\"bold\">{}</text>",
            num(left),
            num(top),
            num(width),
            num(height),
            colors::UNREACHABLE,
            num(left + 8.0),
            num(top + 6.0 + LINE - 3.0),
            xml(heading)
        );
        for (r, row) in rows.iter().enumerate() {
            let baseline = top + 6.0 + (r + 2) as f64 * LINE - 3.0;
            for (c, (text, color, bold)) in row.iter().enumerate() {
                if text.is_empty() {
                    continue;
                }
                let x = left + 8.0 + if c == 0 { 0.0 } else { columns[c - 1] };
                let weight = if *bold { " font-weight=\"bold\"" } else { "" };
                let _ = writeln!(
                    self.body,
                    "<text x=\"{}\" y=\"{}\" font-size=\"9\" fill=\"{color}\"{weight}>{}</text>",
                    num(x),
                    num(baseline),
                    xml(text)
                );
            }
        }
        self.body.push_str("</g>\n");
        left + width
    }

    fn legend(&mut self, number: usize, corner: Point) -> f64 {
        let rows: Vec<Vec<(String, &'static str, bool)>> = LEGEND
            .iter()
            .map(|(key, text)| {
                let (mark, color) = match *key {
                    "error" => ("\u{25a0}", colors::ERROR),
                    "warning" => ("\u{25a0}", colors::WARNING),
                    "unreachable" => ("\u{25a1}", colors::UNREACHABLE),
                    "loop" => ("\u{27f6}", colors::LOOP),
                    "missing" => ("\u{25a1}", colors::ERROR),
                    "never" => ("\u{2026}", colors::NEVER),
                    "number" => ("[n]", "#000000"),
                    _ => ("\u{21e2}", colors::ERROR),
                };
                vec![
                    (mark.to_string(), color, *key == "loop"),
                    (text.to_string(), "#000000", false),
                ]
            })
            .collect();
        let widest = LEGEND
            .iter()
            .map(|(_, t)| text_width(t, 9.0))
            .fold(0.0, f64::max);
        self.table(
            number,
            "legend",
            "Legend",
            &rows,
            &[22.0, 22.0 + widest],
            corner,
        )
    }

    fn findings(&mut self, number: usize, diagram: &Diagram, corner: Point) -> f64 {
        let mut rows = Vec::new();
        let mut widths = [0.0f64; 4];
        for f in &diagram.findings {
            let color = match f.severity {
                Severity::Error => colors::ERROR,
                Severity::Warning => colors::WARNING,
                Severity::Info => colors::CLEAN,
            };
            let cells = [
                format!("[{}]", f.number),
                f.severity.to_string(),
                f.rule.clone(),
                f.place.clone().unwrap_or_else(|| "flow".to_string()),
            ];
            for (w, cell) in widths.iter_mut().zip(&cells) {
                *w = w.max(text_width(cell, 9.0));
            }
            let [n, severity, rule, place] = cells;
            for (i, message) in wrap(&f.message, MESSAGE_WIDTH).into_iter().enumerate() {
                rows.push(if i == 0 {
                    vec![
                        (n.clone(), "#000000", true),
                        (severity.clone(), color, false),
                        (rule.clone(), "#000000", false),
                        (place.clone(), "#000000", false),
                        (message, "#000000", false),
                    ]
                } else {
                    let blank = (String::new(), "#000000", false);
                    vec![
                        blank.clone(),
                        blank.clone(),
                        blank.clone(),
                        blank,
                        (message, "#000000", false),
                    ]
                });
            }
        }
        let message = diagram
            .findings
            .iter()
            .flat_map(|f| wrap(&f.message, MESSAGE_WIDTH))
            .map(|l| text_width(&l, 9.0))
            .fold(0.0, f64::max);
        let mut columns = Vec::new();
        let mut at = 0.0;
        for w in widths.iter().chain([&message]) {
            at += w + 10.0;
            columns.push(at);
        }
        self.table(number, "findings", "Findings", &rows, &columns, corner)
    }

    /// The document: shifted so the drawing starts at the margin, under the title.
    fn finish(self, title: &str) -> String {
        const TITLE: f64 = 30.0;
        let title_width = text_width(title, 14.0);
        let width = (self.max.0 - self.min.0).max(title_width) + 2.0 * MARGIN;
        let height = self.max.1 - self.min.1 + 2.0 * MARGIN + TITLE;
        let (dx, dy) = (MARGIN - self.min.0, MARGIN + TITLE - self.min.1);
        let mut out = String::new();
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
        let _ = writeln!(
            out,
            "<!-- Generated by flowcheck's built-in layout -->\n\
             <svg width=\"{w}pt\" height=\"{h}pt\" viewBox=\"0.00 0.00 {w} {h}\" \
             xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
             font-family=\"{FONT}\">",
            w = num(width),
            h = num(height)
        );
        let _ = writeln!(
            out,
            "<g id=\"graph0\" class=\"graph\">\n<title>flow</title>\n\
             <rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n\
             <text text-anchor=\"middle\" x=\"{}\" y=\"{}\" font-size=\"14\">{}</text>",
            num(width),
            num(height),
            num(width / 2.0),
            num(MARGIN + 16.0),
            xml(title)
        );
        let _ = writeln!(out, "<g transform=\"translate({},{})\">", num(dx), num(dy));
        out.push_str(&self.body);
        out.push_str("</g>\n</g>\n</svg>\n");
        out
    }
}

fn points_text(points: &[Point]) -> String {
    points
        .iter()
        .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A coordinate, always with two decimals, so the output is the same on every run.
fn num(value: f64) -> String {
    let value = if value.is_finite() { value } else { 0.0 };
    let text = format!("{value:.2}");
    if text == "-0.00" {
        "0.00".to_string()
    } else {
        text
    }
}

/// Text in SVG: markup characters as entities, line breaks kept as `&#10;`.
pub fn xml(text: &str) -> String {
    crate::markup::escape_xml(text, crate::markup::Breaks::Entity)
}
