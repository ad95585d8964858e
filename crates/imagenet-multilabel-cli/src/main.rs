//! `imagenet-multilabel`: the command-line tool.

fn main() {
    println!("imagenet-multilabel");
}
