"""The side-by-side application (#13 item 4): a click command that imports
boto3, jinja2, pydantic, docutils and sympy, renders a template and prints
one line. Deterministic output, so every packaging can be compared."""
import boto3
import click
import docutils.core
import jinja2
import pydantic
import sympy


class Item(pydantic.BaseModel):
    name: str
    power: int


@click.command()
@click.option("--name", default="oxpack")
def main(name):
    item = Item(name=name, power=3)
    x = sympy.Symbol("x")
    expr = sympy.expand((x + 1) ** item.power)
    title = docutils.core.publish_parts("*%s*" % item.name, writer_name="html")["fragment"].strip()
    region = boto3.session.Session(region_name="us-east-1").region_name
    click.echo(jinja2.Template("{{ title }} {{ expr }} {{ region }}").render(title=title, expr=expr, region=region))


if __name__ == "__main__":
    main()
