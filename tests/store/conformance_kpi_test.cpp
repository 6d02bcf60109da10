namespace pmx {}
